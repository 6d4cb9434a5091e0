import { AuthRoutes } from '@lyra/contracts';
import { api, type BodyOf } from './client';

export const authApi = {
  login: (body: BodyOf<typeof AuthRoutes.login>) => api.call(AuthRoutes.login, { body, redirectOn401: false }),
  logout: () => api.call(AuthRoutes.logout, { redirectOn401: false }),
  /** 401 here just means "not signed in": the router guard decides where to go. */
  me: () => api.call(AuthRoutes.me, { redirectOn401: false }),
  /** Your own password; your other sessions end, this one stays. */
  changePassword: (body: BodyOf<typeof AuthRoutes.changePassword>) => api.call(AuthRoutes.changePassword, { body }),
};

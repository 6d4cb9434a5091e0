import { LoginResponse, PasswordChangeResult, User, type LoginRequest, type PasswordChange } from '@lyra/contracts';
import { api } from './client';

export const authApi = {
  login: (body: LoginRequest) => api.request('/auth/login', LoginResponse, { method: 'POST', json: body, redirectOn401: false }),
  logout: () => api.requestVoid('/auth/logout', { method: 'POST', redirectOn401: false }),
  /** 401 here just means "not signed in": the router guard decides where to go. */
  me: () => api.request('/auth/me', User, { redirectOn401: false }),
  /** Your own password; your other sessions end, this one stays. */
  changePassword: (body: PasswordChange) => api.request('/auth/password', PasswordChangeResult, { method: 'POST', json: body }),
};

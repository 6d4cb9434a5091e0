import { LoginResponse, User, type LoginRequest } from '@lyra/contracts';
import { api } from './client';

export const authApi = {
  login: (body: LoginRequest) => api.request('/auth/login', LoginResponse, { method: 'POST', json: body, redirectOn401: false }),
  logout: () => api.requestVoid('/auth/logout', { method: 'POST', redirectOn401: false }),
  /** 401 here just means "not signed in": the router guard decides where to go. */
  me: () => api.request('/auth/me', User, { redirectOn401: false }),
};

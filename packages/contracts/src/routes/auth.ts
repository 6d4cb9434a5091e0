import { z } from 'zod';
import { AuditEntry, AuditQuery, LoginRequest, LoginResponse, PasswordChange, PasswordChangeResult, User, UserCreate, UserUpdate } from '../auth.js';
import { IdParam, listOf, Pagination } from '../common.js';
import { API_BASE, COMMON_ERRORS, errorsOf, route } from '../http.js';

const auth = `${API_BASE}/auth`;

export const AuthRoutes = {
  login: route({
    method: 'POST', path: `${auth}/login`, tags: ['auth'], summary: 'Sign in; answers a bearer token and sets an HttpOnly session cookie',
    body: LoginRequest, response: LoginResponse, errors: errorsOf(400, 401, 429),
  }),
  logout: route({ method: 'POST', path: `${auth}/logout`, tags: ['auth'], summary: 'Sign out (ends this session)', status: 204, response: z.null(), errors: errorsOf(401) }),
  changePassword: route({
    method: 'POST', path: `${auth}/password`, tags: ['auth'],
    summary: 'Change your own password (the current one is required); your other sessions end, this one stays',
    body: PasswordChange, response: PasswordChangeResult, errors: errorsOf(400, 401, 429),
  }),
  me: route({ method: 'GET', path: `${auth}/me`, tags: ['auth'], summary: 'The signed-in user', response: User, errors: errorsOf(401) }),
};

export const UserListQuery = z.object(Pagination({ defaultLimit: 100 })).strict();
export type UserListQuery = z.infer<typeof UserListQuery>;
export const UserList = listOf(User);
export type UserList = z.infer<typeof UserList>;

const users = `${API_BASE}/users`;
const tags = ['users'];
const errors = COMMON_ERRORS;

export const UserRoutes = {
  list: route({ method: 'GET', path: `${users}/`, tags, query: UserListQuery, response: UserList, errors }),
  create: route({ method: 'POST', path: `${users}/`, tags, body: UserCreate, status: 201, response: User, errors }),
  get: route({ method: 'GET', path: `${users}/:id/`, tags, params: IdParam, response: User, errors }),
  update: route({ method: 'PATCH', path: `${users}/:id/`, tags, params: IdParam, body: UserUpdate, response: User, errors }),
  remove: route({ method: 'DELETE', path: `${users}/:id/`, tags, params: IdParam, status: 204, response: z.null(), errors }),
};

export const AuditList = listOf(AuditEntry);
export type AuditList = z.infer<typeof AuditList>;

export const AuditRoutes = {
  list: route({
    method: 'GET', path: `${API_BASE}/audit-log/`, tags: ['audit'], summary: 'Who changed what, when, with before/after',
    query: AuditQuery, response: AuditList, errors: errorsOf(400, 401, 403),
  }),
};

import { User, type UserCreate, type UserUpdate } from '@lyra/contracts';
import { z } from 'zod';
import { api, type QueryParams } from './client';

// The contract does not name a user-list shape; accept the usual `{count, results}` and a bare array alike.
const UserList = z.union([
  z.object({ count: z.number().int(), results: z.array(User) }),
  z.array(User).transform((results) => ({ count: results.length, results })),
]);

export const usersApi = {
  list: (query: QueryParams = {}) => api.request('/users/', UserList, { query }),
  create: (body: UserCreate) => api.request('/users/', User, { method: 'POST', json: body }),
  update: (id: string, body: UserUpdate) => api.request(`/users/${encodeURIComponent(id)}/`, User, { method: 'PATCH', json: body }),
  remove: (id: string) => api.requestVoid(`/users/${encodeURIComponent(id)}/`, { method: 'DELETE' }),
};

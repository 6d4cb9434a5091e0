import { UserRoutes } from '@lyra/contracts';
import { api, type BodyOf, type QueryOf } from './client';

const route = UserRoutes;

export const usersApi = {
  list: (query: QueryOf<typeof route.list> = {}) => api.call(route.list, { query }),
  create: (body: BodyOf<typeof route.create>) => api.call(route.create, { body }),
  update: (id: string, body: BodyOf<typeof route.update>) => api.call(route.update, { params: { id }, body }),
  remove: (id: string) => api.call(route.remove, { params: { id } }),
};

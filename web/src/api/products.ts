import { ProductRoutes, type ProductCreateInput, type ProductPatchInput } from '@lyra/contracts';
import { api, apiUrl, routePath, type QueryOf } from './client';

const route = ProductRoutes;

export type ProductListApiQuery = QueryOf<typeof route.list>;
export type ProductExportApiQuery = QueryOf<typeof route.export>;

export const productsApi = {
  list: (query: ProductListApiQuery, signal?: AbortSignal) => api.call(route.list, { query, signal }),
  stats: () => api.call(route.stats),
  get: (id: string) => api.call(route.get, { params: { id } }),
  create: (body: ProductCreateInput) => api.call(route.create, { body }),
  patch: (id: string, body: ProductPatchInput) => api.call(route.patch, { params: { id }, body }),
  remove: (id: string) => api.call(route.remove, { params: { id } }),
  importCsv: (csv: string) =>
    api.call(route.import, {
      body: csv,
      // A refused import (some rows invalid) answers 422 import_rejected with the report as details.
      answerErrorCodes: ['import_rejected'],
    }),
  /** A plain link: the browser downloads the file with the session cookie. */
  exportUrl: (query: ProductExportApiQuery) => apiUrl(routePath(route.export), { format: 'csv', ...query }),
};

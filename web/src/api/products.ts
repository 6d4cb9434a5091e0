import { Product, ProductImportResult, ProductList, ProductStats, type ProductPatch } from '@lyra/contracts';
import { api, apiUrl, type QueryParams } from './client';

export type ProductWrite = Record<string, unknown>;

export const productsApi = {
  list: (query: QueryParams, signal?: AbortSignal) => api.request('/products/', ProductList, { query, signal }),
  stats: () => api.request('/products/stats/', ProductStats),
  get: (id: string) => api.request(`/products/${encodeURIComponent(id)}/`, Product),
  create: (body: ProductWrite) => api.request('/products/', Product, { method: 'POST', json: body }),
  patch: (id: string, body: ProductPatch | ProductWrite) =>
    api.request(`/products/${encodeURIComponent(id)}/`, Product, { method: 'PATCH', json: body }),
  remove: (id: string) => api.requestVoid(`/products/${encodeURIComponent(id)}/`, { method: 'DELETE' }),
  importCsv: (csv: string) =>
    api.request('/products/import/', ProductImportResult, {
      method: 'POST',
      raw: { body: csv, contentType: 'text/csv' },
      // A refused import (some rows invalid) answers 422 import_rejected with the report as details.
      answerErrorCodes: ['import_rejected'],
    }),
  /** A plain link: the browser downloads the file with the session cookie. */
  exportUrl: (query: QueryParams) => apiUrl('/products/export/', { format: 'csv', ...query }),
};

import { z } from 'zod';
import { IdParam } from '../common.js';
import { ErrorBody } from '../errors.js';
import { API_BASE, COMMON_ERRORS, route } from '../http.js';
import {
  AvailableProductsQuery, OfferGroup, OfferGroupList, OfferGroupListQuery, OfferGroupMasterBody, OfferMatchResult, Product, ProductCreate,
  ProductImportResult, ProductLinkBody, ProductList, ProductListQuery, ProductPatch, ProductReplace, ProductStats,
} from '../products.js';

const products = `${API_BASE}/products`;
const tags = ['products'];
const errors = COMMON_ERRORS;

/** The export takes the list's filters and ordering, not its page: it is the whole (filtered) catalog. */
export const ProductExportQuery = ProductListQuery.omit({ limit: true, offset: true }).extend({ format: z.enum(['csv']).default('csv') }).strict();

const importRejected = ErrorBody.describe('code import_rejected; details: the import report with the per-row errors');

export const ProductRoutes = {
  list: route({ method: 'GET', path: `${products}/`, tags, summary: 'List products with filters', query: ProductListQuery, response: ProductList, errors }),
  create: route({ method: 'POST', path: `${products}/`, tags, summary: 'Create a (manual) product', body: ProductCreate, status: 201, response: Product, errors }),
  available: route({
    method: 'GET', path: `${products}/available/`, tags, summary: 'Products a campaign may offer: active, available, inside validFor, priced',
    query: AvailableProductsQuery, response: ProductList, errors,
  }),
  stats: route({ method: 'GET', path: `${products}/stats/`, tags, summary: 'Catalog totals by type, system and status', response: ProductStats, errors }),
  /** A CSV file, not JSON: the console links to it and the browser downloads it. */
  export: route({ method: 'GET', path: `${products}/export/`, tags, summary: 'Export the (filtered) catalog as CSV', query: ProductExportQuery, errors: {} }),
  import: route({
    method: 'POST', path: `${products}/import/`, tags, summary: 'Import manual products from CSV (all rows or none)',
    body: z.string().describe('CSV text with the export\'s header row'), consumes: ['text/csv'],
    response: ProductImportResult, errors: { 422: importRejected, ...errors },
  }),
  get: route({ method: 'GET', path: `${products}/:id/`, tags, summary: 'Get a product', params: IdParam, response: Product, errors }),
  replace: route({
    method: 'PUT', path: `${products}/:id/`, tags, summary: 'Replace a product (synced products: Lyra-owned fields only)',
    params: IdParam, body: ProductReplace, response: Product, errors,
  }),
  patch: route({
    method: 'PATCH', path: `${products}/:id/`, tags, summary: 'Change some fields (synced products: Lyra-owned fields only)',
    params: IdParam, body: ProductPatch, response: Product, errors,
  }),
  remove: route({
    method: 'DELETE', path: `${products}/:id/`, tags, summary: 'Delete a product (409 when something uses it)', params: IdParam, status: 204, response: z.null(), errors,
  }),
};

const groups = `${API_BASE}/offer-groups`;
const groupTags = ['offer-groups'];

export const OfferGroupRoutes = {
  list: route({
    method: 'GET', path: `${groups}/`, tags: groupTags, summary: 'Offer groups: the records of one offer in several systems, their master and where they disagree',
    query: OfferGroupListQuery, response: OfferGroupList, errors,
  }),
  match: route({ method: 'POST', path: `${groups}/match/`, tags: groupTags, summary: 'Run automatic matching now (it also runs after each sync)', response: OfferMatchResult, errors }),
  get: route({ method: 'GET', path: `${groups}/:id/`, tags: groupTags, summary: 'Get an offer group', params: IdParam, response: OfferGroup, errors }),
  confirm: route({
    method: 'POST', path: `${groups}/:id/confirm/`, tags: groupTags, summary: 'Confirm the group as it is: automatic matching no longer moves its members',
    params: IdParam, response: OfferGroup, errors,
  }),
  setMaster: route({
    method: 'POST', path: `${groups}/:id/master/`, tags: groupTags, summary: 'Make one member the master record of the group',
    params: IdParam, body: OfferGroupMasterBody, response: OfferGroup, errors,
  }),
  split: route({
    method: 'POST', path: `${products}/:id/split/`, tags: groupTags, summary: 'Take a product out of its offer group into a group of its own (kept across syncs)',
    params: IdParam, response: OfferGroup, errors,
  }),
  link: route({
    method: 'POST', path: `${products}/:id/link/`, tags: groupTags, summary: 'Link a product to an offer group, or to the group of another product (kept across syncs)',
    params: IdParam, body: ProductLinkBody, response: OfferGroup, errors,
  }),
};

import { z } from 'zod';
import {
  BillList, CampaignContactList, CUSTOMER_IMPORT_TABLES, CustomerIdParam, CustomerImportResult, CustomerList, CustomerListQuery, CustomerProfile,
  CustomerProfileQuery, CustomerSubListQuery, HoldingList, PurchaseList, UsageList, type CustomerImportTable,
} from '../customers.js';
import { ErrorBody } from '../errors.js';
import { API_BASE, errorsOf, route } from '../http.js';

const customers = `${API_BASE}/customers`;
const tags = ['customers'];
const errors = errorsOf(400, 401, 403, 404);

export const CustomerRoutes = {
  list: route({
    method: 'GET', path: `${customers}/`, tags, summary: 'List subscribers: search id, msisdn or name; filter and page',
    query: CustomerListQuery, response: CustomerList, errors,
  }),
  get: route({
    method: 'GET', path: `${customers}/:id/`, tags, summary: 'A subscriber with a summary as of a day',
    params: CustomerIdParam, query: CustomerProfileQuery, response: CustomerProfile, errors,
  }),
  holdings: route({
    method: 'GET', path: `${customers}/:id/holdings/`, tags, summary: 'Catalog products the subscriber holds or held',
    params: CustomerIdParam, query: CustomerSubListQuery, response: HoldingList, errors,
  }),
  usage: route({
    method: 'GET', path: `${customers}/:id/usage/`, tags, summary: 'Monthly usage and spend, newest first',
    params: CustomerIdParam, query: CustomerSubListQuery, response: UsageList, errors,
  }),
  bills: route({
    method: 'GET', path: `${customers}/:id/bills/`, tags, summary: 'Bills with their payments and whether they were paid late',
    params: CustomerIdParam, query: CustomerSubListQuery, response: BillList, errors,
  }),
  purchases: route({
    method: 'GET', path: `${customers}/:id/purchases/`, tags, summary: 'Catalog purchases, newest first',
    params: CustomerIdParam, query: CustomerSubListQuery, response: PurchaseList, errors,
  }),
  contacts: route({
    method: 'GET', path: `${customers}/:id/contacts/`, tags, summary: 'Campaign contacts (treated and control) and responses',
    params: CustomerIdParam, query: CustomerSubListQuery, response: CampaignContactList, errors,
  }),
};

/** Import paths per table: `/customers/import/` for subscribers, `/customers/<table>/import/` for their history. */
const IMPORT_PATHS: Record<CustomerImportTable, string> = {
  customers: 'import',
  holdings: 'holdings/import',
  usage: 'usage/import',
  bills: 'bills/import',
  payments: 'payments/import',
  purchases: 'purchases/import',
  contacts: 'contacts/import',
};

const importRoute = (table: CustomerImportTable) =>
  route({
    method: 'POST',
    path: `${customers}/${IMPORT_PATHS[table]}/`,
    tags,
    summary: `Import ${table} from CSV or JSON lines (all rows or none; upsert by natural id)`,
    body: z.unknown().describe('CSV with a header row, or JSON lines (one object per line)'),
    consumes: ['text/csv', 'application/x-ndjson'],
    response: CustomerImportResult,
    errors: { 422: ErrorBody.describe('code import_rejected; details: the import report with the per-row errors'), ...errorsOf(400, 401, 403, 413, 415) },
  });

/** One import route per table; the body is a CSV or JSON-lines stream the server reads as it arrives. */
export const CustomerImportRoutes = Object.fromEntries(CUSTOMER_IMPORT_TABLES.map((t) => [t, importRoute(t)])) as Record<CustomerImportTable, ReturnType<typeof importRoute>>;

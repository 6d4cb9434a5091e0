import type { Readable } from 'node:stream';
import { z } from 'zod';
import {
  BillList, CampaignContactList, CustomerIdParam, CustomerImportResult, CustomerList, CustomerListQuery, CustomerProfile,
  CustomerProfileQuery, CustomerSubListQuery, ErrorBody, HoldingList, PurchaseList, UsageList, type CustomerImportTable,
} from '@lyra/contracts';
import { actorOf } from '../../http/auth.plugin.js';
import type { App } from '../../http/types.js';
import { AppError, importedOrRejected } from '../../lib/errors.js';
import { IMPORT_BODY_LIMIT, importColumns, type CustomersImport, type ImportFormat } from './customers.import.js';
import type { CustomersService } from './customers.service.js';

const tags = ['customers'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const importErrors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 413: ErrorBody, 415: ErrorBody };

const CSV_TYPES = ['text/csv', 'application/csv', 'text/plain'];
const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];

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

function formatOf(contentType: string | undefined): ImportFormat {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (CSV_TYPES.includes(type)) return 'csv';
  if (NDJSON_TYPES.includes(type)) return 'ndjson';
  throw new AppError(415, 'unsupported_media_type', 'Send text/csv (with a header row) or application/x-ndjson (one JSON object per line)');
}

export function registerCustomerRoutes(app: App, deps: { customers: CustomersService; imports: CustomersImport }) {
  const { customers, imports } = deps;
  const base = '/api/loyalty/v1/customers';

  app.get(`${base}/`, {
    config: { access: 'customers:read' },
    schema: { tags, summary: 'List subscribers: search id, msisdn or name; filter and page', querystring: CustomerListQuery, response: { 200: CustomerList, ...errors } },
  }, (req) => customers.list(req.query));

  app.get(`${base}/:id/`, {
    config: { access: 'customers:read' },
    schema: { tags, summary: 'A subscriber with a summary as of a day', params: CustomerIdParam, querystring: CustomerProfileQuery, response: { 200: CustomerProfile, ...errors } },
  }, (req) => customers.get(req.params.id, req.query));

  app.get(`${base}/:id/holdings/`, {
    config: { access: 'customers:read' },
    schema: { tags, summary: 'Catalog products the subscriber holds or held', params: CustomerIdParam, querystring: CustomerSubListQuery, response: { 200: HoldingList, ...errors } },
  }, (req) => customers.holdings(req.params.id, req.query));

  app.get(`${base}/:id/usage/`, {
    config: { access: 'customers:read' },
    schema: { tags, summary: 'Monthly usage and spend, newest first', params: CustomerIdParam, querystring: CustomerSubListQuery, response: { 200: UsageList, ...errors } },
  }, (req) => customers.usage(req.params.id, req.query));

  app.get(`${base}/:id/bills/`, {
    config: { access: 'customers:read' },
    schema: { tags, summary: 'Bills with their payments and whether they were paid late', params: CustomerIdParam, querystring: CustomerSubListQuery, response: { 200: BillList, ...errors } },
  }, (req) => customers.bills(req.params.id, req.query));

  app.get(`${base}/:id/purchases/`, {
    config: { access: 'customers:read' },
    schema: { tags, summary: 'Catalog purchases, newest first', params: CustomerIdParam, querystring: CustomerSubListQuery, response: { 200: PurchaseList, ...errors } },
  }, (req) => customers.purchases(req.params.id, req.query));

  app.get(`${base}/:id/contacts/`, {
    config: { access: 'customers:read' },
    schema: { tags, summary: 'Campaign contacts (treated and control) and responses', params: CustomerIdParam, querystring: CustomerSubListQuery, response: { 200: CampaignContactList, ...errors } },
  }, (req) => customers.contacts(req.params.id, req.query));

  // Imports read the body as a stream: their own scope swaps the app's buffered text parsers for pass-through ones.
  void app.register(async (scope: App) => {
    scope.removeContentTypeParser(CSV_TYPES.filter((t) => scope.hasContentTypeParser(t)));
    scope.addContentTypeParser([...CSV_TYPES, ...NDJSON_TYPES], (_req, payload, done) => done(null, payload));

    for (const [table, path] of Object.entries(IMPORT_PATHS) as [CustomerImportTable, string][]) {
      scope.post(`${base}/${path}/`, {
        config: { access: 'customers:write' },
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          tags,
          summary: `Import ${table} from CSV or JSON lines (all rows or none; upsert by natural id)`,
          description: `Columns / fields: ${importColumns(table).all.join(', ')}. Required: ${importColumns(table).required.join(', ')}.`,
          body: z.unknown().describe('CSV with a header row, or JSON lines (one object per line)'),
          consumes: ['text/csv', 'application/x-ndjson'],
          response: { 200: CustomerImportResult, 422: ErrorBody.describe('code import_rejected; details: the import report with the per-row errors'), ...importErrors },
        },
      }, async (req) => {
        const format = formatOf(req.headers['content-type']);
        const declared = Number(req.headers['content-length']);
        if (declared > IMPORT_BODY_LIMIT) throw new AppError(413, 'payload_too_large', `The body is larger than ${IMPORT_BODY_LIMIT / 1024 / 1024} MB; split the file`);
        const body = req.body as Readable | string | undefined;
        if (body == null || typeof body === 'object' && !(Symbol.asyncIterator in body)) throw AppError.badRequest('Send the file as the request body');
        return importedOrRejected(await imports.importBody(actorOf(req), table, format, body));
      });
    }
  });
}

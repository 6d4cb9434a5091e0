import type { Readable } from 'node:stream';
import { CustomerImportRoutes, CustomerRoutes, type CustomerImportTable } from '@lyra/contracts';
import { actorOf } from '../../http/auth.plugin.js';
import { serve } from '../../http/declared-route.js';
import type { App } from '../../http/types.js';
import { AppError, importedOrRejected } from '../../lib/errors.js';
import { IMPORT_BODY_LIMIT, importColumns, type CustomersImport, type ImportFormat } from './customers.import.js';
import type { CustomersService } from './customers.service.js';

const CSV_TYPES = ['text/csv', 'application/csv', 'text/plain'];
const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];

function formatOf(contentType: string | undefined): ImportFormat {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (CSV_TYPES.includes(type)) return 'csv';
  if (NDJSON_TYPES.includes(type)) return 'ndjson';
  throw new AppError('unsupported_media_type', 'Send text/csv (with a header row) or application/x-ndjson (one JSON object per line)');
}

export function registerCustomerRoutes(app: App, deps: { customers: CustomersService; imports: CustomersImport }) {
  const { customers, imports } = deps;
  const route = CustomerRoutes;

  serve(app, route.list, { config: { access: 'customers:read' } }, (req) => customers.list(req.query));
  serve(app, route.get, { config: { access: 'customers:read' } }, (req) => customers.get(req.params.id, req.query));
  serve(app, route.holdings, { config: { access: 'customers:read' } }, (req) => customers.holdings(req.params.id, req.query));
  serve(app, route.usage, { config: { access: 'customers:read' } }, (req) => customers.usage(req.params.id, req.query));
  serve(app, route.bills, { config: { access: 'customers:read' } }, (req) => customers.bills(req.params.id, req.query));
  serve(app, route.purchases, { config: { access: 'customers:read' } }, (req) => customers.purchases(req.params.id, req.query));
  serve(app, route.contacts, { config: { access: 'customers:read' } }, (req) => customers.contacts(req.params.id, req.query));

  // Imports read the body as a stream: their own scope swaps the app's buffered text parsers for pass-through ones.
  void app.register(async (scope: App) => {
    scope.removeContentTypeParser(CSV_TYPES.filter((t) => scope.hasContentTypeParser(t)));
    scope.addContentTypeParser([...CSV_TYPES, ...NDJSON_TYPES], (_req, payload, done) => done(null, payload));

    for (const [table, decl] of Object.entries(CustomerImportRoutes) as [CustomerImportTable, (typeof CustomerImportRoutes)[CustomerImportTable]][]) {
      const columns = importColumns(table);
      serve(scope, decl, {
        config: { access: 'customers:write' },
        bodyLimit: IMPORT_BODY_LIMIT,
        description: `Columns / fields: ${columns.all.join(', ')}. Required: ${columns.required.join(', ')}.`,
      }, async (req) => {
        const format = formatOf(req.headers['content-type']);
        const declared = Number(req.headers['content-length']);
        if (declared > IMPORT_BODY_LIMIT) throw new AppError('payload_too_large', `The body is larger than ${IMPORT_BODY_LIMIT / 1024 / 1024} MB; split the file`);
        const body = req.body as Readable | string | undefined;
        if (body == null || typeof body === 'object' && !(Symbol.asyncIterator in body)) throw AppError.badRequest('Send the file as the request body');
        return importedOrRejected(await imports.importBody(actorOf(req), table, format, body));
      });
    }
  });
}

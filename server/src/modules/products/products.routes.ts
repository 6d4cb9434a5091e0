import { Readable } from 'node:stream';
import { z } from 'zod';
import {
  AvailableProductsQuery, ErrorBody, IdParam, Product, ProductCreate, ProductImportResult, ProductList,
  ProductListQuery, ProductPatch, ProductReplace, ProductStats,
} from '@lyra/contracts';
import { actorOf } from '../../http/auth.plugin.js';
import { importedOrRejected } from '../../lib/errors.js';
import type { App } from '../../http/types.js';
import type { ProductsCsv } from './products.csv.js';
import type { ProductsService } from './products.service.js';

const tags = ['products'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const ExportQuery = ProductListQuery.omit({ limit: true, offset: true }).extend({ format: z.enum(['csv']).default('csv') }).strict();

export function registerProductRoutes(app: App, deps: { products: ProductsService; csv: ProductsCsv }) {
  const { products, csv } = deps;
  const base = '/api/loyalty/v1/products';

  app.get(`${base}/`, {
    config: { access: 'products:read', cacheBy: 'catalog' },
    schema: { tags, summary: 'List products with filters', querystring: ProductListQuery, response: { 200: ProductList, ...errors } },
  }, (req) => products.list(req.query));

  app.post(`${base}/`, {
    config: { access: 'products:write' },
    schema: { tags, summary: 'Create a (manual) product', body: ProductCreate, response: { 201: Product, ...errors } },
  }, async (req, reply) => reply.status(201).send(await products.create(actorOf(req), req.body)));

  app.get(`${base}/available/`, {
    config: { access: 'products:read', cacheBy: 'catalog-now' },
    schema: { tags, summary: 'Products a campaign may offer: active, available, inside validFor, priced', querystring: AvailableProductsQuery, response: { 200: ProductList, ...errors } },
  }, (req) => products.available(req.query));

  app.get(`${base}/stats/`, {
    config: { access: 'products:read', cacheBy: 'catalog' },
    schema: { tags, summary: 'Catalog totals by type, system and status', response: { 200: ProductStats, ...errors } },
  }, () => products.stats());

  app.get(`${base}/export/`, {
    config: { access: 'products:read' },
    schema: { tags, summary: 'Export the (filtered) catalog as CSV', querystring: ExportQuery },
  }, async (req, reply) => {
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="lyra-products-${stamp}.csv"`)
      .send(Readable.from(csv.export(req.query)));
  });

  app.post(`${base}/import/`, {
    config: { access: 'products:write' },
    bodyLimit: 20 * 1024 * 1024,
    schema: {
      tags, summary: 'Import manual products from CSV (all rows or none)',
      body: z.string().describe('CSV text with the export\'s header row'),
      consumes: ['text/csv'],
      response: { 200: ProductImportResult, 422: ErrorBody.describe('code import_rejected; details: the import report with the per-row errors'), ...errors },
    },
  }, async (req) => importedOrRejected(await csv.import(actorOf(req), req.body)));

  app.get(`${base}/:id/`, {
    config: { access: 'products:read' },
    schema: { tags, summary: 'Get a product', params: IdParam, response: { 200: Product, ...errors } },
  }, (req) => products.get(req.params.id));

  app.put(`${base}/:id/`, {
    config: { access: 'products:target' },
    schema: { tags, summary: 'Replace a product (synced products: Lyra-owned fields only)', params: IdParam, body: ProductReplace, response: { 200: Product, ...errors } },
  }, (req) => products.replace(actorOf(req), req.params.id, req.body));

  app.patch(`${base}/:id/`, {
    config: { access: 'products:target' },
    schema: { tags, summary: 'Change some fields (synced products: Lyra-owned fields only)', params: IdParam, body: ProductPatch, response: { 200: Product, ...errors } },
  }, (req) => products.patch(actorOf(req), req.params.id, req.body));

  app.delete(`${base}/:id/`, {
    config: { access: 'products:write' },
    schema: { tags, summary: 'Delete a product (409 when something uses it)', params: IdParam, response: { 204: z.null(), ...errors } },
  }, async (req, reply) => {
    await products.remove(actorOf(req), req.params.id);
    return reply.status(204).send(null);
  });
}

import { Readable } from 'node:stream';
import { ProductRoutes } from '@lyra/contracts';
import { actorOf } from '../../http/auth.plugin.js';
import { serve } from '../../http/declared-route.js';
import { importedOrRejected } from '../../lib/errors.js';
import type { App } from '../../http/types.js';
import type { ProductsCsv } from './products.csv.js';
import type { ProductsService } from './products.service.js';

export function registerProductRoutes(app: App, deps: { products: ProductsService; csv: ProductsCsv }) {
  const { products, csv } = deps;
  const route = ProductRoutes;

  serve(app, route.list, { config: { access: 'products:read', cacheBy: 'catalog' } }, (req) => products.list(req.query));

  serve(app, route.create, { config: { access: 'products:write' } },
    async (req, reply) => reply.status(201).send(await products.create(actorOf(req), req.body)));

  serve(app, route.available, { config: { access: 'products:read', cacheBy: 'catalog-now' } }, (req) => products.available(req.query));

  serve(app, route.stats, { config: { access: 'products:read', cacheBy: 'catalog' } }, () => products.stats());

  serve(app, route.export, { config: { access: 'products:read' } }, async (req, reply) => {
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="lyra-products-${stamp}.csv"`)
      .send(Readable.from(csv.export(req.query)));
  });

  serve(app, route.import, { config: { access: 'products:write' }, bodyLimit: 20 * 1024 * 1024 },
    async (req) => importedOrRejected(await csv.import(actorOf(req), req.body)));

  serve(app, route.get, { config: { access: 'products:read' } }, (req) => products.get(req.params.id));

  serve(app, route.replace, { config: { access: 'products:target' } }, (req) => products.replace(actorOf(req), req.params.id, req.body));

  serve(app, route.patch, { config: { access: 'products:target' } }, (req) => products.patch(actorOf(req), req.params.id, req.body));

  serve(app, route.remove, { config: { access: 'products:write' } }, async (req, reply) => {
    await products.remove(actorOf(req), req.params.id);
    return reply.status(204).send(null);
  });
}

import { MlRoutes } from '@lyra/contracts';
import { actorOf } from '../../http/auth.plugin.js';
import { serve } from '../../http/declared-route.js';
import type { App } from '../../http/types.js';
import type { MlServices } from './ml.services.js';

export function registerMlRoutes(app: App, deps: { ml: MlServices }) {
  const { registry, training, scoring, predictions } = deps.ml;
  const route = MlRoutes;

  serve(app, route.models, { config: { access: 'ml:read' } }, () => registry.listModels());
  serve(app, route.versions, { config: { access: 'ml:read' } }, (req) => registry.listVersions(req.params.name, req.query.limit, req.query.offset));
  serve(app, route.version, { config: { access: 'ml:read' } }, (req) => registry.getVersion(req.params.name, req.params.v));
  serve(app, route.train, { config: { access: 'ml:manage' } },
    async (req, reply) => reply.status(202).send(await training.requestTraining(actorOf(req), req.params.name, req.body ?? {})));
  serve(app, route.activate, { config: { access: 'ml:manage' } }, (req) => registry.activate(actorOf(req), req.params.name, req.params.v));
  serve(app, route.score, { config: { access: 'ml:manage' } },
    async (req, reply) => reply.status(202).send(await scoring.requestScoring(actorOf(req), req.params.name, req.body ?? {})));
  serve(app, route.runs, { config: { access: 'ml:read' } }, (req) => scoring.listRuns(req.params.name, req.query.limit, req.query.offset));
  serve(app, route.run, { config: { access: 'ml:read' } }, (req) => scoring.getRun(req.params.name, req.params.id));
  serve(app, route.predict, { config: { access: 'ml:predict' } }, (req) => predictions.predict(req.body));
  serve(app, route.customerScores, { config: { access: 'ml:read' } }, (req) => predictions.customerScores(req.params.id));
  serve(app, route.recommendedProducts, { config: { access: 'ml:predict' } }, (req) => predictions.recommendedProducts(req.params.id, req.query.limit));
}

import {
  CustomerIdParam, CustomerScoreList, ErrorBody, MlListQuery, MlModelList, MlModelParam, MlModelVersion, MlPrediction, MlPredictRequest, MlRunParam,
  MlScoreRequest, MlScoringRun, MlScoringRunList, MlTrainRequest, MlVersionList, MlVersionParam, RecommendedProductList, RecommendedProductsQuery,
} from '@lyra/contracts';
import { actorOf } from '../../http/auth.plugin.js';
import type { App } from '../../http/types.js';
import type { MlService } from './ml.service.js';

const tags = ['ml'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };

export function registerMlRoutes(app: App, deps: { ml: MlService }) {
  const { ml } = deps;
  const base = '/api/loyalty/v1/ml';

  app.get(`${base}/models/`, {
    config: { access: 'ml:read' },
    schema: { tags, summary: 'The three models with their active and newest versions', response: { 200: MlModelList, ...errors } },
  }, () => ml.listModels());

  app.get(`${base}/models/:name/versions/`, {
    config: { access: 'ml:read' },
    schema: { tags, summary: "A model's versions, newest first (headline metrics)", params: MlModelParam, querystring: MlListQuery, response: { 200: MlVersionList, ...errors } },
  }, (req) => ml.listVersions(req.params.name, req.query.limit, req.query.offset));

  app.get(`${base}/models/:name/versions/:v/`, {
    config: { access: 'ml:read' },
    schema: { tags, summary: 'One version: parameters, data snapshot, all metrics with chart data, PSI', params: MlVersionParam, response: { 200: MlModelVersion, ...errors } },
  }, (req) => ml.getVersion(req.params.name, req.params.v));

  app.post(`${base}/models/:name/train/`, {
    config: { access: 'ml:manage' },
    schema: { tags, summary: 'Train a new version in the background (202); poll the version for progress', params: MlModelParam, body: MlTrainRequest.optional(), response: { 202: MlModelVersion, ...errors } },
  }, async (req, reply) => reply.status(202).send(await ml.requestTraining(actorOf(req), req.params.name, req.body ?? {})));

  app.post(`${base}/models/:name/versions/:v/activate/`, {
    config: { access: 'ml:manage' },
    schema: { tags, summary: 'Make a ready version the one predictions use (audited; 409 unless ready)', params: MlVersionParam, response: { 200: MlModelVersion, ...errors } },
  }, (req) => ml.activate(actorOf(req), req.params.name, req.params.v));

  app.post(`${base}/models/:name/score/`, {
    config: { access: 'ml:manage' },
    schema: { tags, summary: 'Score every active subscriber (or a segment) with the active version (202)', params: MlModelParam, body: MlScoreRequest.optional(), response: { 202: MlScoringRun, ...errors } },
  }, async (req, reply) => reply.status(202).send(await ml.requestScoring(actorOf(req), req.params.name, req.body ?? {})));

  app.get(`${base}/models/:name/scoring-runs/`, {
    config: { access: 'ml:read' },
    schema: { tags, summary: 'Batch scoring runs of a model, newest first', params: MlModelParam, querystring: MlListQuery, response: { 200: MlScoringRunList, ...errors } },
  }, (req) => ml.listRuns(req.params.name, req.query.limit, req.query.offset));

  app.get(`${base}/models/:name/scoring-runs/:id/`, {
    config: { access: 'ml:read' },
    schema: { tags, summary: 'One batch scoring run with its PSI', params: MlRunParam, response: { 200: MlScoringRun, ...errors } },
  }, (req) => ml.getRun(req.params.name, req.params.id));

  app.post(`${base}/predict/`, {
    config: { access: 'ml:predict' },
    schema: { tags, summary: 'Predict for one subscriber with the active version (propensity, response or default risk)', body: MlPredictRequest, response: { 200: MlPrediction, ...errors } },
  }, (req) => ml.predict(req.body));

  app.get('/api/loyalty/v1/customers/:id/scores/', {
    config: { access: 'ml:read' },
    schema: { tags, summary: "The subscriber's latest batch score per model, with reasons", params: CustomerIdParam, response: { 200: CustomerScoreList, ...errors } },
  }, (req) => ml.customerScores(req.params.id));

  app.get('/api/loyalty/v1/customers/:id/recommended-products/', {
    config: { access: 'ml:predict' },
    schema: { tags, summary: 'Available products the subscriber does not hold, ranked by propensity', params: CustomerIdParam, querystring: RecommendedProductsQuery, response: { 200: RecommendedProductList, ...errors } },
  }, (req) => ml.recommendedProducts(req.params.id, req.query.limit));
}

import { CustomerIdParam } from '../customers.js';
import { API_BASE, errorsOf, route } from '../http.js';
import {
  CustomerScoreList, MlListQuery, MlModelList, MlModelParam, MlModelVersion, MlPrediction, MlPredictRequest, MlRunParam, MlScoreRequest, MlScoringRun,
  MlScoringRunList, MlTrainRequest, MlVersionList, MlVersionParam, RecommendedProductList, RecommendedProductsQuery,
} from '../ml.js';

const ml = `${API_BASE}/ml`;
const tags = ['ml'];
const errors = errorsOf(400, 401, 403, 404, 409, 503);

export const MlRoutes = {
  models: route({ method: 'GET', path: `${ml}/models/`, tags, summary: 'The three models with their active and newest versions', response: MlModelList, errors }),
  versions: route({
    method: 'GET', path: `${ml}/models/:name/versions/`, tags, summary: "A model's versions, newest first (headline metrics)",
    params: MlModelParam, query: MlListQuery, response: MlVersionList, errors,
  }),
  version: route({
    method: 'GET', path: `${ml}/models/:name/versions/:v/`, tags, summary: 'One version: parameters, data snapshot, all metrics with chart data, PSI',
    params: MlVersionParam, response: MlModelVersion, errors,
  }),
  /** 202: the new version, status `training`; poll `version` for progress. */
  train: route({
    method: 'POST', path: `${ml}/models/:name/train/`, tags, summary: 'Train a new version in the background (202); poll the version for progress',
    params: MlModelParam, body: MlTrainRequest.optional(), status: 202, response: MlModelVersion, errors,
  }),
  activate: route({
    method: 'POST', path: `${ml}/models/:name/versions/:v/activate/`, tags, summary: 'Make a ready version the one predictions use (audited; 409 unless ready)',
    params: MlVersionParam, response: MlModelVersion, errors,
  }),
  /** 202: a batch scoring run of the active version. */
  score: route({
    method: 'POST', path: `${ml}/models/:name/score/`, tags, summary: 'Score every active subscriber (or a segment) with the active version (202)',
    params: MlModelParam, body: MlScoreRequest.optional(), status: 202, response: MlScoringRun, errors,
  }),
  runs: route({
    method: 'GET', path: `${ml}/models/:name/scoring-runs/`, tags, summary: 'Batch scoring runs of a model, newest first',
    params: MlModelParam, query: MlListQuery, response: MlScoringRunList, errors,
  }),
  run: route({
    method: 'GET', path: `${ml}/models/:name/scoring-runs/:id/`, tags, summary: 'One batch scoring run with its PSI',
    params: MlRunParam, response: MlScoringRun, errors,
  }),
  predict: route({
    method: 'POST', path: `${ml}/predict/`, tags, summary: 'Predict for one subscriber with the active version (propensity, response or default risk)',
    body: MlPredictRequest, response: MlPrediction, errors,
  }),
  /** Latest batch score per model; empty until a scoring run has covered the subscriber. */
  customerScores: route({
    method: 'GET', path: `${API_BASE}/customers/:id/scores/`, tags, summary: "The subscriber's latest batch score per model, with reasons",
    params: CustomerIdParam, response: CustomerScoreList, errors,
  }),
  /** 409 while propensity_to_buy has no active version. */
  recommendedProducts: route({
    method: 'GET', path: `${API_BASE}/customers/:id/recommended-products/`, tags, summary: 'Available products the subscriber does not hold, ranked by propensity',
    params: CustomerIdParam, query: RecommendedProductsQuery, response: RecommendedProductList, errors,
  }),
};

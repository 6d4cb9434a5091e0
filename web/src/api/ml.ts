import { MlRoutes, type MlModelName } from '@lyra/contracts';
import { api, type BodyOf } from './client';

const route = MlRoutes;

export const mlApi = {
  models: (signal?: AbortSignal) => api.call(route.models, { signal }),
  versions: (name: MlModelName, signal?: AbortSignal) => api.call(route.versions, { params: { name }, query: { limit: 50, offset: 0 }, signal }),
  version: (name: MlModelName, v: number, signal?: AbortSignal) => api.call(route.version, { params: { name, v }, signal }),
  /** 202: the new version, status `training`; poll `version` for progress. */
  train: (name: MlModelName, body: BodyOf<typeof route.train> = {}) => api.call(route.train, { params: { name }, body }),
  activate: (name: MlModelName, v: number) => api.call(route.activate, { params: { name, v } }),
  /** 202: a batch scoring run of the active version over every active subscriber. */
  score: (name: MlModelName) => api.call(route.score, { params: { name }, body: {} }),
  run: (name: MlModelName, id: string, signal?: AbortSignal) => api.call(route.run, { params: { name, id }, signal }),
};

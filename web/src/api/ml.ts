import { MlModelList, MlModelVersion, MlScoringRun, MlVersionList, type MlModelName, type MlTrainRequest } from '@lyra/contracts';
import { api } from './client';

const model = (name: MlModelName) => `/ml/models/${name}/`;

export const mlApi = {
  models: (signal?: AbortSignal) => api.request('/ml/models/', MlModelList, { signal }),
  versions: (name: MlModelName, signal?: AbortSignal) =>
    api.request(`${model(name)}versions/`, MlVersionList, { query: { limit: 50, offset: 0 }, signal }),
  version: (name: MlModelName, v: number, signal?: AbortSignal) => api.request(`${model(name)}versions/${v}/`, MlModelVersion, { signal }),
  /** 202: the new version, status `training`; poll `version` for progress. */
  train: (name: MlModelName, body: MlTrainRequest = {}) => api.request(`${model(name)}train/`, MlModelVersion, { method: 'POST', json: body }),
  activate: (name: MlModelName, v: number) => api.request(`${model(name)}versions/${v}/activate/`, MlModelVersion, { method: 'POST', json: {} }),
  /** 202: a batch scoring run of the active version over every active subscriber. */
  score: (name: MlModelName) => api.request(`${model(name)}score/`, MlScoringRun, { method: 'POST', json: {} }),
  run: (name: MlModelName, id: string, signal?: AbortSignal) => api.request(`${model(name)}scoring-runs/${id}/`, MlScoringRun, { signal }),
};

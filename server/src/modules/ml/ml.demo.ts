import { ML_MODEL_NAMES, type MlModelName, type MlModelVersion } from '@lyra/contracts';
import type { Container } from '../../container.js';
import { SYSTEM_ACTOR } from '../auth/permissions.js';

/**
 * Demo start-up: a model that has never been trained gets a first version queued, so a newcomer's
 * console shows scores once the job runner has trained it (the first ready version goes live by
 * itself) and then batch-scores every subscriber. Models with any version, a database without subscribers or an instance without the job
 * runner are left alone. Without `snapshot_date` each model takes its default snapshot (the first day
 * after the newest complete month of usage whose label window the data covers); a generator run
 * with a snapshot inside a month should pass that day.
 */
export async function ensureDemoModels(container: Pick<Container, 'ml' | 'customers' | 'jobsAvailable'>, opts: { snapshot_date?: string; scoreWhenLive?: boolean } = {}): Promise<MlModelVersion[]> {
  if (!container.jobsAvailable || !(await container.customers.hasAny())) return [];
  const queued: MlModelVersion[] = [];
  for (const name of ML_MODEL_NAMES as readonly MlModelName[]) {
    if (await container.ml.registry.hasAnyVersion(name)) continue;
    queued.push(await container.ml.training.requestTraining(SYSTEM_ACTOR, name, opts.snapshot_date ? { snapshot_date: opts.snapshot_date } : {}, { scoreWhenLive: opts.scoreWhenLive ?? true }));
  }
  return queued;
}

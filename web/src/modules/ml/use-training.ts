import { getCurrentScope, onScopeDispose, ref, shallowRef } from 'vue';
import type { MlModelName, MlModelVersion, MlTrainRequest } from '@lyra/contracts';
import { mlApi } from '../../api/ml';
import { errorMessage } from '../../api/errors';

export interface TrainingApi {
  train: (name: MlModelName, body?: MlTrainRequest) => Promise<MlModelVersion>;
  version: (name: MlModelName, v: number) => Promise<MlModelVersion>;
}

export interface TrainingOptions {
  api?: TrainingApi;
  intervalMs?: number;
  /** Consecutive failed polls before giving up: a network blip should not end the view. */
  maxFailures?: number;
  /** Called once when the followed version is ready or failed. */
  onFinished?: (version: MlModelVersion) => void;
}

/** idle -> starting -> training -> ready | failed; `error` when the request (or polling) itself failed. */
export type TrainingPhase = 'idle' | 'starting' | 'training' | 'ready' | 'failed' | 'error';

/** Starts (or follows) the training of one model version and polls it until it is ready or failed. */
export function useTraining(options: TrainingOptions = {}) {
  const api = options.api ?? { train: (name: MlModelName, body?: MlTrainRequest) => mlApi.train(name, body), version: (name: MlModelName, v: number) => mlApi.version(name, v) };
  const intervalMs = options.intervalMs ?? 1500;
  const maxFailures = options.maxFailures ?? 5;

  const phase = ref<TrainingPhase>('idle');
  const version = shallowRef<MlModelVersion | null>(null);
  const error = ref<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;
  let failures = 0;

  function clear() {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  }

  function settle(v: MlModelVersion) {
    version.value = v;
    if (v.status === 'training') return false;
    phase.value = v.status;
    if (v.status === 'failed') error.value = v.error ?? 'Training failed';
    options.onFinished?.(v);
    return true;
  }

  function schedule(name: MlModelName, v: number, gen: number) {
    clear();
    timer = setTimeout(() => void poll(name, v, gen), intervalMs);
  }

  async function poll(name: MlModelName, v: number, gen: number) {
    try {
      const next = await api.version(name, v);
      if (gen !== generation) return;
      failures = 0;
      if (!settle(next)) schedule(name, v, gen);
    } catch (err) {
      if (gen !== generation) return;
      failures += 1;
      if (failures >= maxFailures) {
        phase.value = 'error';
        error.value = errorMessage(err);
      } else schedule(name, v, gen);
    }
  }

  async function start(name: MlModelName, body?: MlTrainRequest) {
    const gen = ++generation;
    clear();
    phase.value = 'starting';
    error.value = null;
    failures = 0;
    try {
      const v = await api.train(name, body);
      if (gen !== generation) return;
      phase.value = 'training';
      if (!settle(v)) schedule(name, v.version, gen);
    } catch (err) {
      if (gen !== generation) return;
      phase.value = 'error';
      error.value = errorMessage(err);
    }
  }

  /** Follows a version that is already training (e.g. started by someone else, or before a reload). */
  function follow(name: MlModelName, v: MlModelVersion) {
    const gen = ++generation;
    clear();
    error.value = null;
    failures = 0;
    phase.value = 'training';
    if (!settle(v)) schedule(name, v.version, gen);
  }

  function stop() {
    generation += 1;
    clear();
  }

  if (getCurrentScope()) onScopeDispose(stop);
  return { phase, version, error, start, follow, stop };
}

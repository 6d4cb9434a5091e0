import { computed, getCurrentScope, onScopeDispose, ref, shallowReactive, shallowRef } from 'vue';
import type { SyncRun } from '@lyra/contracts';
import { syncApi, type StartSyncBody } from '../../api/catalog-sync';
import { errorMessage, isApiError } from '../../api/errors';
import { isActiveStatus } from './run-summary';

export interface SyncRunApi {
  start: (body: StartSyncBody) => Promise<SyncRun>;
  run: (id: string) => Promise<SyncRun>;
  cancel: (id: string) => Promise<SyncRun>;
}

export interface SyncRunOptions {
  api?: SyncRunApi;
  /** How often a queued/running run is re-read. */
  intervalMs?: number;
  /** Consecutive failed polls before giving up (a blip of the network should not end the view). */
  maxFailures?: number;
  /** Called once when a followed run reaches a final status. */
  onFinished?: (run: SyncRun) => void;
}

/**
 * idle -> starting -> watching -> finished, or -> error. `watching` polls the run every
 * `intervalMs` while it is queued or running; a 409 "already syncing" joins the running run.
 */
export type SyncPhase = 'idle' | 'starting' | 'watching' | 'finished' | 'error';

/** One sync run followed live: start (or join) it, poll its progress, cancel it, report the result. */
export function useSyncRun(options: SyncRunOptions = {}) {
  const api = options.api ?? syncApi;
  const intervalMs = options.intervalMs ?? 1000;
  const maxFailures = options.maxFailures ?? 5;

  const phase = ref<SyncPhase>('idle');
  const run = shallowRef<SyncRun | null>(null);
  const error = ref<string | null>(null);
  /** Set when "Sync now" found a run already going and the view follows that one instead. */
  const joined = ref(false);
  const cancelling = ref(false);
  /** A poll failed but the view keeps trying: shown as a quiet hint, not an error. */
  const pollWarning = ref<string | null>(null);

  // Each start/attach/stop bumps the generation, so answers for an older run are ignored.
  let generation = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;

  function clearTimer() {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  }

  /** Stops polling (leaving the page); the run itself goes on on the server. */
  function stop() {
    generation++;
    clearTimer();
  }

  function reset() {
    stop();
    phase.value = 'idle';
    run.value = null;
    error.value = null;
    joined.value = false;
    cancelling.value = false;
    pollWarning.value = null;
  }

  function begin(): number {
    stop();
    failures = 0;
    error.value = null;
    pollWarning.value = null;
    cancelling.value = false;
    joined.value = false;
    return generation;
  }

  function follow(r: SyncRun, gen: number) {
    run.value = r;
    if (isActiveStatus(r.status)) {
      phase.value = 'watching';
      schedule(r.id, gen, intervalMs);
      return;
    }
    clearTimer();
    phase.value = 'finished';
    cancelling.value = false;
    options.onFinished?.(r);
  }

  function schedule(runId: string, gen: number, delay: number) {
    clearTimer();
    timer = setTimeout(() => void poll(runId, gen), delay);
  }

  async function poll(runId: string, gen: number) {
    try {
      const r = await api.run(runId);
      if (gen !== generation) return;
      failures = 0;
      pollWarning.value = null;
      follow(r, gen);
    } catch (err) {
      if (gen !== generation) return;
      failures++;
      if (failures >= maxFailures) {
        clearTimer();
        phase.value = 'error';
        error.value = `Lost track of the run: ${errorMessage(err)}`;
        return;
      }
      pollWarning.value = `Could not refresh the progress (${errorMessage(err)}); retrying…`;
      schedule(runId, gen, intervalMs);
    }
  }

  /** Follows a run that already exists (a page opened mid-run, or a 409). */
  function attach(runId: string, gen = begin()) {
    phase.value = 'watching';
    if (run.value?.id !== runId) run.value = null;
    void poll(runId, gen);
  }

  async function start(systemId: string, mode: 'full' | 'incremental', force = false): Promise<SyncRun | null> {
    const gen = begin();
    phase.value = 'starting';
    run.value = null;
    try {
      const r = await api.start({ external_system_id: systemId, mode, force });
      if (gen !== generation) return null;
      follow(r, gen);
      return r;
    } catch (err) {
      if (gen !== generation) return null;
      const runId = runIdOfConflict(err);
      if (runId) {
        // "Already syncing" is not a failure: show the run that is going on.
        joined.value = true;
        attach(runId, gen);
        return null;
      }
      phase.value = 'error';
      error.value = errorMessage(err, 'The sync could not be started.');
      return null;
    }
  }

  async function cancel(): Promise<void> {
    const current = run.value;
    if (!current || phase.value !== 'watching' || cancelling.value) return;
    cancelling.value = true;
    const gen = generation;
    try {
      const r = await api.cancel(current.id);
      if (gen !== generation) return;
      // A queued run is cancelled at once; a running one stops at its next checkpoint.
      follow(r, gen);
    } catch (err) {
      if (gen !== generation) return;
      cancelling.value = false;
      // 409 not_running: it finished meanwhile; the next poll shows how.
      if (isApiError(err) && err.status === 409) schedule(current.id, gen, 0);
      else pollWarning.value = `Could not cancel: ${errorMessage(err)}`;
    }
  }

  if (getCurrentScope()) onScopeDispose(stop);

  const active = computed(() => phase.value === 'starting' || phase.value === 'watching');
  return { phase, run, error, joined, cancelling, pollWarning, active, start, attach, cancel, stop, reset };
}

export type SyncRunState = ReturnType<typeof useSyncRun>;

export function runIdOfConflict(err: unknown): string | null {
  if (!isApiError(err) || err.status !== 409 || err.code !== 'sync_in_progress') return null;
  const d = err.details;
  const id = typeof d === 'object' && d !== null ? (d as Record<string, unknown>).run_id : null;
  return typeof id === 'string' && id ? id : null;
}

/**
 * One live run per external system (the systems page and the catalog's Sync menu follow several
 * at once). Instances are made on first use and all stop polling when the owning view goes away.
 */
export function useSystemSyncs(options: Omit<SyncRunOptions, 'onFinished'> & { onFinished?: (systemId: string, run: SyncRun) => void } = {}) {
  const bySystem = shallowReactive(new Map<string, SyncRunState>());

  function forSystem(systemId: string): SyncRunState {
    let state = bySystem.get(systemId);
    if (!state) {
      state = useSyncRun({ ...options, onFinished: (r) => options.onFinished?.(systemId, r) });
      bySystem.set(systemId, state);
    }
    return state;
  }

  /** The state for a system if one was ever started; views use this to decide whether to show a panel. */
  const peek = (systemId: string): SyncRunState | undefined => bySystem.get(systemId);

  function stopAll() {
    for (const s of bySystem.values()) s.stop();
  }

  if (getCurrentScope()) onScopeDispose(stopAll);
  return { forSystem, peek, stopAll };
}

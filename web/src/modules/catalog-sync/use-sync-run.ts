import { computed, getCurrentScope, onScopeDispose, ref, shallowReactive, shallowRef } from 'vue';
import type { SyncRun } from '@lyra/contracts';
import { syncApi, type StartSyncBody } from '../../api/catalog-sync';
import { errorMessage, isApiError } from '../../api/errors';
import { isActiveStatus } from './run-summary';

export interface SyncRunApi {
  start: (body: StartSyncBody) => Promise<SyncRun>;
  run: (id: string) => Promise<SyncRun>;
  cancel: (id: string) => Promise<SyncRun>;
  /** The system's newest run (any status), or null: used when the start request is slow to answer. */
  latest?: (systemId: string) => Promise<SyncRun | null>;
}

const defaultApi: SyncRunApi = {
  start: syncApi.start,
  run: (id) => syncApi.run(id),
  cancel: syncApi.cancel,
  latest: async (systemId) => (await syncApi.runs({ external_system_id: systemId, limit: 1 })).results[0] ?? null,
};

export interface SyncRunOptions {
  api?: SyncRunApi;
  /** How often a queued/running run is re-read. */
  intervalMs?: number;
  /** Consecutive failed polls before giving up (a blip of the network should not end the view). */
  maxFailures?: number;
  /** Called once when a followed run reaches a final status. */
  onFinished?: (run: SyncRun) => void;
  /**
   * The run exists (and may already be running) before the start request answers: when that
   * answer takes longer than this, the system's newest run is looked up and followed meanwhile.
   */
  startLookupMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * idle -> starting -> watching -> finished, or -> error. `watching` polls the run every
 * `intervalMs` while it is queued or running; a 409 "already syncing" joins the running run.
 * `starting` lasts only as long as the start request: past `startLookupMs` the run the server
 * already queued is found and followed, so the view never sits on "Starting" while a run goes on.
 */
export type SyncPhase = 'idle' | 'starting' | 'watching' | 'finished' | 'error';

/** One sync run followed live: start (or join) it, poll its progress, cancel it, report the result. */
export function useSyncRun(options: SyncRunOptions = {}) {
  const api = options.api ?? defaultApi;
  const intervalMs = options.intervalMs ?? 1000;
  const maxFailures = options.maxFailures ?? 5;
  const startLookupMs = options.startLookupMs ?? 2500;
  const now = options.now ?? Date.now;

  const phase = ref<SyncPhase>('idle');
  const run = shallowRef<SyncRun | null>(null);
  const error = ref<string | null>(null);
  /** Set when "Sync now" found a run already going and the view follows that one instead. */
  const joined = ref(false);
  const cancelling = ref(false);
  /** A poll failed but the view keeps trying: shown as a quiet hint, not an error. */
  const pollWarning = ref<string | null>(null);
  /** The start request has taken longer than `startLookupMs`: the view says it is looking for the run. */
  const slowStart = ref(false);
  /**
   * How long the run's progress (items read, counts) has not moved, as of the last poll. Pages of
   * a real source can take minutes; the view says how long it has been waiting on one.
   */
  const quietMs = ref(0);

  // Each start/attach/stop bumps the generation, so answers for an older run are ignored.
  let generation = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lookupTimer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let lastProgressKey = '';
  let lastMovedAt = 0;

  function clearTimer() {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  }
  function clearLookup() {
    if (lookupTimer !== undefined) clearTimeout(lookupTimer);
    lookupTimer = undefined;
  }

  /** Stops polling (leaving the page); the run itself goes on on the server. */
  function stop() {
    generation++;
    clearTimer();
    clearLookup();
  }

  function reset() {
    stop();
    phase.value = 'idle';
    run.value = null;
    error.value = null;
    joined.value = false;
    cancelling.value = false;
    pollWarning.value = null;
    slowStart.value = false;
    quietMs.value = 0;
  }

  function begin(): number {
    stop();
    failures = 0;
    error.value = null;
    pollWarning.value = null;
    cancelling.value = false;
    joined.value = false;
    slowStart.value = false;
    quietMs.value = 0;
    lastProgressKey = '';
    return generation;
  }

  function noteProgress(r: SyncRun) {
    const key = `${r.id}|${r.status}|${r.progress.items_read}|${JSON.stringify(r.counts)}`;
    if (key !== lastProgressKey) {
      lastProgressKey = key;
      lastMovedAt = now();
    }
    quietMs.value = Math.max(0, now() - lastMovedAt);
  }

  function follow(r: SyncRun, gen: number) {
    clearLookup();
    slowStart.value = false;
    noteProgress(r);
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

  /** The start request is slow: follow the system's newest run if it is active (it is ours, or one that would refuse ours). */
  function lookForRun(systemId: string, gen: number) {
    const latest = api.latest;
    if (!latest) return;
    lookupTimer = setTimeout(async () => {
      lookupTimer = undefined;
      if (gen !== generation || phase.value !== 'starting') return;
      slowStart.value = true;
      try {
        const r = await latest(systemId);
        if (gen !== generation || phase.value !== 'starting') return;
        // Ours, or one already going that ours will be refused for (the 409 then marks it as joined).
        if (r && isActiveStatus(r.status)) {
          follow(r, gen);
          return;
        }
      } catch {
        // The start request may still answer; look again.
      }
      if (gen === generation && phase.value === 'starting') lookForRun(systemId, gen);
    }, slowStart.value ? intervalMs * 2 : startLookupMs);
  }

  // Read through a function: the lookup may set the run while start() awaits, which TypeScript's narrowing cannot see.
  const followedId = (): string | null => run.value?.id ?? null;

  async function start(systemId: string, mode: 'full' | 'incremental', force = false): Promise<SyncRun | null> {
    const gen = begin();
    phase.value = 'starting';
    run.value = null;
    lookForRun(systemId, gen);
    try {
      const r = await api.start({ external_system_id: systemId, mode, force });
      if (gen !== generation) return null;
      // Already following it (found while the request was slow): the polls are newer than this answer.
      if (phase.value !== 'starting' && followedId() === r.id) return r;
      follow(r, gen);
      return r;
    } catch (err) {
      if (gen !== generation) return null;
      clearLookup();
      const runId = runIdOfConflict(err);
      if (runId) {
        // "Already syncing" is not a failure: show the run that is going on.
        joined.value = true;
        if (followedId() !== runId || phase.value === 'starting') attach(runId, gen);
        return null;
      }
      if (phase.value !== 'starting' && followedId()) {
        // The run exists and is followed; the failed answer (e.g. a timeout on the way back) is only a note.
        pollWarning.value = `The start request failed (${errorMessage(err)}), but the run was queued and is followed.`;
        return null;
      }
      phase.value = 'error';
      slowStart.value = false;
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
  return { phase, run, error, joined, cancelling, pollWarning, slowStart, quietMs, active, start, attach, cancel, stop, reset };
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

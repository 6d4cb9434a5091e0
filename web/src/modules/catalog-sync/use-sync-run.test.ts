import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope } from 'vue';
import type { SyncRun } from '@lyra/contracts';
import { ApiError } from '../../api/errors';
import { runIdOfConflict, useSyncRun, useSystemSyncs, type SyncRunApi } from './use-sync-run';
import { makeRun, XIVA_ID } from './test-fixtures';

const queued = makeRun({ status: 'queued', mode: null, started_at: null, finished_at: null, duration_ms: null, progress: { items_read: 0, items_total: null, percent: null }, counts: { created: 0, updated: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 } });
const running = (read: number) => makeRun({ status: 'running', finished_at: null, duration_ms: read * 5, progress: { items_read: read, items_total: 398, percent: Math.round((read / 398) * 1000) / 10 }, counts: { ...queued.counts, unchanged: read } });
const done = makeRun();

/** A fake server: each GET answers the next run of the script (the last one repeats). */
function fakeApi(script: (SyncRun | Error)[], start: () => Promise<SyncRun> = async () => queued) {
  let i = 0;
  const api: SyncRunApi & { calls: string[] } = {
    calls: [],
    start: vi.fn(start),
    run: vi.fn(async (id: string) => {
      api.calls.push(id);
      const next = script[Math.min(i++, script.length - 1)]!;
      if (next instanceof Error) throw next;
      return next;
    }),
    cancel: vi.fn(async () => makeRun({ ...running(100), cancel_requested: true })),
  };
  return api;
}

/** Lets awaited fake API answers settle after advancing the clock. */
const tick = async (ms: number) => {
  await vi.advanceTimersByTimeAsync(ms);
};

describe('useSyncRun', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('starts, polls every second while queued/running, then stops with the result', async () => {
    const api = fakeApi([running(120), running(300), done]);
    const onFinished = vi.fn();
    const s = useSyncRun({ api, intervalMs: 1000, onFinished });
    const started = s.start(XIVA_ID, 'full');
    expect(s.phase.value).toBe('starting');
    await started;
    expect(api.start).toHaveBeenCalledWith({ external_system_id: XIVA_ID, mode: 'full', force: false });
    expect(s.phase.value).toBe('watching');
    expect(s.run.value?.status).toBe('queued');

    await tick(999);
    expect(api.run).not.toHaveBeenCalled();
    await tick(1);
    expect(s.run.value?.progress.items_read).toBe(120);
    await tick(1000);
    expect(s.run.value?.counts.unchanged).toBe(300);
    await tick(1000);
    expect(s.phase.value).toBe('finished');
    expect(s.run.value?.status).toBe('succeeded');
    expect(onFinished).toHaveBeenCalledExactlyOnceWith(done);

    await tick(10_000);
    expect(api.run).toHaveBeenCalledTimes(3);
  });

  it('joins the running run on 409 sync_in_progress instead of failing', async () => {
    const conflict = new ApiError({ status: 409, code: 'sync_in_progress', message: 'Xiva is already syncing', details: { run_id: 'other-run' } });
    const api = fakeApi([running(50), done], async () => {
      throw conflict;
    });
    const s = useSyncRun({ api });
    expect(await s.start(XIVA_ID, 'incremental')).toBeNull();
    expect(s.joined.value).toBe(true);
    expect(s.phase.value).toBe('watching');
    expect(s.error.value).toBeNull();
    await tick(0);
    expect(api.calls).toEqual(['other-run']);
    expect(s.run.value?.progress.items_read).toBe(50);
    await tick(1000);
    expect(s.phase.value).toBe('finished');
  });

  it('reports a refused start', async () => {
    const api = fakeApi([], async () => {
      throw new ApiError({ status: 409, code: 'system_inactive', message: 'Xiva is inactive; activate it before syncing' });
    });
    const s = useSyncRun({ api });
    await s.start(XIVA_ID, 'full');
    expect(s.phase.value).toBe('error');
    expect(s.error.value).toBe('Xiva is inactive; activate it before syncing');
  });

  it('rides out a few failed polls, then gives up', async () => {
    const blip = new ApiError({ status: 0, code: 'network_error', message: 'Cannot reach the Lyra server.' });
    const api = fakeApi([blip, running(10), blip, blip, blip]);
    const s = useSyncRun({ api, maxFailures: 3 });
    await s.start(XIVA_ID, 'full');
    await tick(1000);
    expect(s.phase.value).toBe('watching');
    expect(s.pollWarning.value).toMatch(/retrying/);
    await tick(1000);
    expect(s.pollWarning.value).toBeNull();
    await tick(3000);
    expect(s.phase.value).toBe('error');
    expect(s.error.value).toMatch(/Lost track of the run/);
    await tick(5000);
    expect(api.run).toHaveBeenCalledTimes(5);
  });

  it('cancels and keeps following until the run says cancelled', async () => {
    const api = fakeApi([running(100), makeRun({ status: 'cancelled', cancel_requested: true })]);
    const s = useSyncRun({ api });
    await s.start(XIVA_ID, 'full');
    await tick(1000);
    await s.cancel();
    expect(api.cancel).toHaveBeenCalledWith(queued.id);
    expect(s.cancelling.value).toBe(true);
    expect(s.phase.value).toBe('watching');
    await tick(1000);
    expect(s.phase.value).toBe('finished');
    expect(s.run.value?.status).toBe('cancelled');
    expect(s.cancelling.value).toBe(false);
  });

  it('stops polling when its owner goes away, and ignores late answers', async () => {
    const api = fakeApi([running(1)]);
    const scope = effectScope();
    const s = scope.run(() => useSyncRun({ api }))!;
    await s.start(XIVA_ID, 'full');
    scope.stop();
    await tick(5000);
    expect(api.run).not.toHaveBeenCalled();
  });

  it('a new start drops the answers of the previous one', async () => {
    let release!: (r: SyncRun) => void;
    const api = fakeApi([done]);
    api.start = vi.fn().mockImplementationOnce(() => new Promise<SyncRun>((r) => (release = r))).mockImplementationOnce(async () => done);
    const s = useSyncRun({ api });
    const first = s.start(XIVA_ID, 'full');
    await s.start(XIVA_ID, 'incremental');
    release(queued);
    expect(await first).toBeNull();
    expect(s.phase.value).toBe('finished');
  });
});

describe('useSyncRun: live progress', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('leaves "starting" as soon as the server answers and moves with every poll', async () => {
    const api = fakeApi([running(0), running(120), running(398), done]);
    const s = useSyncRun({ api });
    const seen: string[] = [];
    const started = s.start(XIVA_ID, 'full');
    seen.push(s.phase.value);
    await started;
    for (let i = 0; i < 4; i++) {
      seen.push(`${s.phase.value}:${s.run.value?.status}:${s.run.value?.progress.items_read}`);
      await tick(1000);
    }
    seen.push(`${s.phase.value}:${s.run.value?.status}`);
    expect(seen).toEqual(['starting', 'watching:queued:0', 'watching:running:0', 'watching:running:120', 'watching:running:398', 'finished:succeeded']);
  });

  it('follows the queued run when the start request is slow to answer, and ignores the late answer', async () => {
    let answer!: (r: SyncRun) => void;
    const api = fakeApi([running(40), running(200), done], () => new Promise<SyncRun>((r) => (answer = r)));
    api.latest = vi.fn(async () => running(10));
    const s = useSyncRun({ api, startLookupMs: 2500 });
    const started = s.start(XIVA_ID, 'full');
    await tick(2499);
    expect(s.phase.value).toBe('starting');
    expect(api.latest).not.toHaveBeenCalled();
    await tick(1);
    expect(api.latest).toHaveBeenCalledWith(XIVA_ID);
    expect(s.phase.value).toBe('watching');
    expect(s.run.value?.progress.items_read).toBe(10);
    await tick(1000);
    expect(s.run.value?.progress.items_read).toBe(40);
    answer(queued);
    expect(await started).toEqual(queued);
    // The late 202 (still "queued") does not roll the view back.
    expect(s.run.value?.progress.items_read).toBe(40);
    await tick(2000);
    expect(s.phase.value).toBe('finished');
  });

  it('keeps looking while the newest run is an old finished one, then takes the answer', async () => {
    let answer!: (r: SyncRun) => void;
    const api = fakeApi([done], () => new Promise<SyncRun>((r) => (answer = r)));
    api.latest = vi.fn(async () => makeRun({ id: 'old-run' }));
    const s = useSyncRun({ api, startLookupMs: 1000, intervalMs: 1000 });
    void s.start(XIVA_ID, 'full');
    await tick(1000);
    expect(s.phase.value).toBe('starting');
    expect(s.slowStart.value).toBe(true);
    await tick(2000);
    expect(api.latest).toHaveBeenCalledTimes(2);
    answer(queued);
    await tick(0);
    expect(s.phase.value).toBe('watching');
    expect(s.slowStart.value).toBe(false);
    await tick(1000);
    expect(s.phase.value).toBe('finished');
    await tick(10_000);
    expect(api.latest).toHaveBeenCalledTimes(2);
  });

  it('a slow start refused with 409 joins the run it found', async () => {
    let refuse!: (e: Error) => void;
    const api = fakeApi([running(30), done], () => new Promise<SyncRun>((_, reject) => (refuse = reject)));
    const other = makeRun({ ...running(20), id: 'other-run' });
    api.latest = vi.fn(async () => other);
    const s = useSyncRun({ api, startLookupMs: 1000 });
    const started = s.start(XIVA_ID, 'full');
    await tick(1000);
    expect(s.run.value?.id).toBe('other-run');
    refuse(new ApiError({ status: 409, code: 'sync_in_progress', message: 'busy', details: { run_id: 'other-run' } }));
    expect(await started).toBeNull();
    expect(s.joined.value).toBe(true);
    expect(s.phase.value).toBe('watching');
    expect(s.error.value).toBeNull();
  });

  it('says how long the progress has not moved', async () => {
    let clock = 0;
    const api = fakeApi([running(100), running(100), running(100), running(150)]);
    const s = useSyncRun({ api, now: () => clock });
    await s.start(XIVA_ID, 'full');
    for (const expected of [0, 1000, 2000, 0]) {
      clock += 1000;
      await tick(1000);
      expect(s.quietMs.value).toBe(expected);
    }
  });
});

describe('useSystemSyncs', () => {
  it('keeps one run state per system and stops them all with the view', async () => {
    vi.useFakeTimers();
    const api = fakeApi([running(1)]);
    const onFinished = vi.fn();
    const scope = effectScope();
    const syncs = scope.run(() => useSystemSyncs({ api, onFinished }))!;
    expect(syncs.peek('a')).toBeUndefined();
    const a = syncs.forSystem('a');
    expect(syncs.forSystem('a')).toBe(a);
    await a.start('a', 'full');
    scope.stop();
    await tick(5000);
    expect(api.run).not.toHaveBeenCalled();
    vi.useRealTimers();
  });
});

describe('runIdOfConflict', () => {
  it('reads details.run_id of sync_in_progress only', () => {
    expect(runIdOfConflict(new ApiError({ status: 409, code: 'sync_in_progress', message: 'x', details: { run_id: 'r1' } }))).toBe('r1');
    expect(runIdOfConflict(new ApiError({ status: 409, code: 'sync_in_progress', message: 'x', details: { run_id: null } }))).toBeNull();
    expect(runIdOfConflict(new ApiError({ status: 409, code: 'conflict', message: 'x', details: { run_id: 'r1' } }))).toBeNull();
    expect(runIdOfConflict(new Error('x'))).toBeNull();
  });
});

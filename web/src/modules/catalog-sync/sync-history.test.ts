import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';
import type { SyncRun } from '@lyra/contracts';
import { historyLink, parseRunQuery, runsToApiQuery, runsToRouteQuery } from './sync-run-query';
import { changeMoney, changeName, guardLimit, isActiveStatus, nonZeroCounts, progressPercent, progressText, stoppedAtRetireGuard } from './run-summary';
import { runsChartOption } from './run-chart';
import { useSyncHistory } from './use-sync-history';
import { makeRun } from './test-fixtures';

describe('sync history URL', () => {
  it('reads known filters and drops the rest', () => {
    expect(parseRunQuery({ system: 'xiva', status: 'failed', page: '3' })).toEqual({ system: 'xiva', status: 'failed', page: 3 });
    expect(parseRunQuery({ system: 'manual', status: 'exploded', page: '-1' })).toEqual({ page: 1 });
    expect(runsToRouteQuery({ page: 1 })).toEqual({});
    expect(runsToRouteQuery({ system: 'crm', page: 2 })).toEqual({ system: 'crm', page: '2' });
  });

  it('filters the API by system type and pages with limit/offset', () => {
    expect(runsToApiQuery({ system: 'billing', status: 'running', page: 2 })).toEqual({ external_system: 'billing', status: 'running', limit: 25, offset: 25 });
    expect(historyLink('xiva')).toBe('/admin/sync-runs?system=xiva');
    expect(historyLink('manual')).toBe('/admin/sync-runs');
  });
});

describe('run summaries', () => {
  it('knows active runs and the retire guard stop', () => {
    expect(isActiveStatus('queued')).toBe(true);
    expect(isActiveStatus('running')).toBe(true);
    expect(isActiveStatus('partially_succeeded')).toBe(false);
    expect(isActiveStatus(null)).toBe(false);
    const guard = 'Retire guard: this full sync would retire 100 of 398 Xiva products (25.1%, limit 20%). Nothing was retired; if the source really dropped them, run a full sync with force.';
    // The stop reason decides, whatever the message says.
    expect(stoppedAtRetireGuard(makeRun({ status: 'partially_succeeded', stop_reason: 'retire_guard', error: guard }))).toBe(true);
    expect(stoppedAtRetireGuard(makeRun({ status: 'partially_succeeded', stop_reason: 'retire_guard', error: 'Le garde de retrait a arrêté la synchronisation.' }))).toBe(true);
    expect(stoppedAtRetireGuard(makeRun({ status: 'failed', stop_reason: null, error: 'HTTP 502 from /productOffering mentioning the retire guard' }))).toBe(false);
    expect(stoppedAtRetireGuard(makeRun({ status: 'cancelled', stop_reason: 'cancelled' }))).toBe(false);
    expect(stoppedAtRetireGuard(null)).toBe(false);
    expect(guardLimit(guard)).toBe(20);
    expect(guardLimit('something else')).toBeNull();
  });

  it('describes progress with and without a known total', () => {
    expect(progressPercent(makeRun({ status: 'running', progress: { items_read: 195, items_total: 398, percent: 49 } }))).toBe(49);
    expect(progressPercent(makeRun({ status: 'running', progress: { items_read: 100, items_total: 400, percent: null } }))).toBe(25);
    expect(progressPercent(makeRun({ status: 'running', progress: { items_read: 117, items_total: null, percent: null } }))).toBeNull();
    expect(progressText(makeRun({ status: 'running', progress: { items_read: 1195, items_total: 2398, percent: 49 } }))).toBe('1,195 of 2,398 items read');
    expect(progressText(makeRun({ status: 'running', progress: { items_read: 117, items_total: null, percent: null } }))).toBe('117 items read');
    expect(progressText(makeRun({ status: 'queued' }))).toMatch(/Waiting/);
  });

  it('lists non-zero counts and reads catalog change blobs', () => {
    expect(nonZeroCounts(makeRun().counts)).toEqual([
      { key: 'updated', n: 3 },
      { key: 'unchanged', n: 395 },
      { key: 'retired', n: 2 },
    ]);
    expect(changeMoney({ price: '12.99', currency: 'SAR' })).toEqual({ price: '12.99', currency: 'SAR' });
    expect(changeMoney({ reason: 'missing' })).toBeNull();
    expect(changeName({ name: 'iPhone 16', price: '409.00' }, { reason: 'x' })).toBe('iPhone 16');
    expect(changeName(null, undefined)).toBeNull();
  });
});

describe('runsChartOption', () => {
  it('draws finished runs oldest first, without unchanged items, with the duration in seconds', () => {
    const runs = [
      makeRun({ id: 'c', status: 'running', finished_at: null, duration_ms: 100 }),
      makeRun({ id: 'b', started_at: '2026-11-25T05:34:11Z', duration_ms: 3349 }),
      makeRun({ id: 'a', started_at: '2026-11-25T05:33:45Z', duration_ms: 610, counts: { created: 400, updated: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 } }),
    ];
    const option = runsChartOption(runs, 'UTC');
    expect(option.xAxis.data).toEqual(['Nov 25, 05:33', 'Nov 25, 05:34']);
    // Runs in the same minute are told apart by their seconds.
    const same = runsChartOption([makeRun({ id: 'y', started_at: '2026-11-25T05:34:50Z' }), makeRun({ id: 'x', started_at: '2026-11-25T05:34:11Z' })], 'UTC');
    expect(same.xAxis.data).toEqual(['Nov 25, 05:34:11', 'Nov 25, 05:34:50']);
    expect(option.series.map((s) => s.name)).toEqual(['Created', 'Updated', 'Retired', 'Skipped', 'Failed', 'Duration (s)']);
    expect(option.series[0]!.data).toEqual([400, 0]);
    expect(option.series[5]!.data).toEqual([0.6, 3.3]);
  });
});

describe('useSyncHistory', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('loads the filtered page and refreshes quietly while a run is active', async () => {
    let status: SyncRun['status'] = 'running';
    const fetchRuns = vi.fn(async () => ({ count: 1, results: [makeRun({ status })] }));
    const state = ref(parseRunQuery({ system: 'xiva' }));
    const scope = effectScope();
    const history = scope.run(() => useSyncHistory(state, fetchRuns, 2000))!;
    await vi.advanceTimersByTimeAsync(0);
    expect(fetchRuns).toHaveBeenLastCalledWith({ external_system: 'xiva', status: undefined, limit: 25, offset: 0 }, expect.any(AbortSignal));
    expect(history.anyActive.value).toBe(true);

    status = 'succeeded';
    await vi.advanceTimersByTimeAsync(2000);
    expect(fetchRuns).toHaveBeenCalledTimes(2);
    expect(history.loading.value).toBe(false);
    expect(history.anyActive.value).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fetchRuns).toHaveBeenCalledTimes(2);

    state.value = parseRunQuery({ system: 'crm' });
    await nextTick();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetchRuns).toHaveBeenCalledTimes(3);
    scope.stop();
  });
});

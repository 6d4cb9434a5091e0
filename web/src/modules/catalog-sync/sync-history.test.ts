import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';
import type { SyncRun } from '@lyra/contracts';
import { fromSystemFilterValue, historyLink, parseRunQuery, runsToApiQuery, runsToRouteQuery, systemFilterValue } from './sync-run-query';
import {
  changeMoney, changeName, guardLimit, isActiveStatus, isUnreachableError, itemErrorsNote, nonZeroCounts, progressPercent, progressText, readableRunError, readRate, runOutcome, runStage,
  needsForcedSync, stoppedAtRetireGuard,
} from './run-summary';
import { chartSystems, runsChart } from './run-chart';
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
    // One system by id (several systems may share a type); the filter select carries both forms.
    const id = '3f1c2a4e-8b7d-4c6e-9a1b-2d3e4f5a6b7c';
    expect(historyLink('xiva', id)).toBe(`/admin/sync-runs?system_id=${id}`);
    expect(parseRunQuery({ system_id: id, system: 'crm' })).toEqual({ systemId: id, page: 1 });
    expect(parseRunQuery({ system_id: 'not-an-id' })).toEqual({ page: 1 });
    expect(runsToRouteQuery({ systemId: id, page: 1 })).toEqual({ system_id: id });
    expect(runsToApiQuery({ systemId: id, page: 1 })).toMatchObject({ external_system_id: id, external_system: undefined });
    expect(fromSystemFilterValue(systemFilterValue({ systemId: id }))).toEqual({ systemId: id, system: undefined });
    expect(fromSystemFilterValue(systemFilterValue({ system: 'billing' }))).toEqual({ system: 'billing', systemId: undefined });
    expect(fromSystemFilterValue('')).toEqual({ system: undefined, systemId: undefined });
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
    // Both short-snapshot stops offer the forced full sync; an ordinary partial run does not.
    expect(needsForcedSync(makeRun({ status: 'partially_succeeded', stop_reason: 'retire_guard' }))).toBe(true);
    expect(needsForcedSync(makeRun({ status: 'partially_succeeded', stop_reason: 'incomplete_snapshot' }))).toBe(true);
    expect(needsForcedSync(makeRun({ status: 'partially_succeeded', stop_reason: null }))).toBe(false);
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

describe('run stages (live progress)', () => {
  const live = (over: Partial<SyncRun>) => makeRun({ status: 'running', finished_at: null, ...over });
  it('names where a run is from the fields updated after every page', () => {
    expect(runStage(makeRun({ status: 'queued' })).stage).toBe('queued');
    expect(runStage(live({ progress: { items_read: 0, items_total: null, percent: null } }))).toEqual({ stage: 'connecting', label: 'Connecting and reading the first page' });
    expect(runStage(live({ progress: { items_read: 200, items_total: 398, percent: 50.3 } })).stage).toBe('reading');
    expect(runStage(live({ progress: { items_read: 200, items_total: null, percent: null } })).stage).toBe('reading');
    expect(runStage(live({ progress: { items_read: 398, items_total: 398, percent: 100 } })).label).toMatch(/Finishing .*checking what left the source/);
    expect(runStage(live({ mode: 'incremental', progress: { items_read: 12, items_total: 12, percent: 100 } })).label).toMatch(/saving the cursor/);
    expect(runStage(live({ cancel_requested: true })).stage).toBe('cancelling');
    expect(runStage(makeRun()).stage).toBe('done');
  });
  it('gives a read rate once there is one', () => {
    expect(readRate(live({ duration_ms: 4000, progress: { items_read: 200, items_total: null, percent: null } }))).toBe('50.0 items/s');
    expect(readRate(live({ duration_ms: 2000, progress: { items_read: 5000, items_total: null, percent: null } }))).toBe('2,500 items/s');
    expect(readRate(live({ duration_ms: 500, progress: { items_read: 10, items_total: null, percent: null } }))).toBeNull();
    expect(readRate(live({ duration_ms: 9000, progress: { items_read: 0, items_total: null, percent: null } }))).toBeNull();
  });
});

describe('run errors and outcomes', () => {
  const nothing = { items_read: 0, items_total: null, percent: null };
  const zero = { created: 0, updated: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 };

  it('never shows a bare "TypeError: fetch failed"', () => {
    expect(readableRunError('TypeError: fetch failed')).toMatch(/^Could not reach the system/);
    expect(readableRunError('fetch failed')).toMatch(/^Could not reach the system/);
    expect(readableRunError('GET /productOffering: TypeError: fetch failed')).toBe('GET /productOffering: could not reach the system');
    expect(readableRunError('TypeError: fetch failed (connect ECONNREFUSED 10.0.0.5:443)')).toBe('Could not reach the system (connect ECONNREFUSED 10.0.0.5:443) (connection refused)');
    expect(readableRunError('getaddrinfo ENOTFOUND bss.operator.example')).toBe('Getaddrinfo ENOTFOUND bss.operator.example (host name not found)');
    // What the fixed server stores already reads well and stays as it is.
    expect(readableRunError('network error (127.0.0.1:9), 6 attempts')).toBe('Network error (127.0.0.1:9), 6 attempts');
    expect(readableRunError('connection refused')).toBe('Connection refused');
    expect(readableRunError('HTTP 401 from /api/auth/jwt/create/')).toBe('HTTP 401 from /api/auth/jwt/create/');
    expect(readableRunError(null)).toBeNull();
    expect(readableRunError('  ')).toBeNull();
    expect(isUnreachableError('TypeError: fetch failed')).toBe(true);
    expect(isUnreachableError('network error (127.0.0.1:9), 6 attempts')).toBe(true);
    expect(isUnreachableError('port blocked for HTTP clients (a port such as 9, 25 or 6000 cannot serve HTTP; check the URL) (127.0.0.1:9), 6 attempts')).toBe(true);
    expect(isUnreachableError('host not found (bss.example), 2 attempts')).toBe(true);
    expect(isUnreachableError('HTTP 500 from /productOffering')).toBe(false);
  });

  it('says a failed run that read nothing failed, why, and that nothing changed', () => {
    const run = makeRun({ status: 'failed', progress: nothing, counts: zero, error: 'TypeError: fetch failed' });
    const o = runOutcome(run);
    expect(o.tone).toBe('error');
    expect(o.title).toBe('Failed — could not reach the system');
    expect(o.reason).toMatch(/^Could not reach the system/);
    expect(o.detail).toBe('Nothing was read from the source, so the catalog was not changed.');
    expect(itemErrorsNote(run)).toMatch(/^No records were read/);
    expect(itemErrorsNote(run)).not.toMatch(/Every record/);
  });

  it('says how far a failed run got, with its item errors', () => {
    const run = makeRun({
      status: 'failed', progress: { items_read: 250, items_total: 398, percent: 62.8 }, counts: { ...zero, created: 3, unchanged: 240, skipped: 7 }, item_errors_total: 7,
      error: 'HTTP 502 from /productOffering after 6 attempts',
    });
    const o = runOutcome(run);
    expect(o.title).toBe('Failed');
    expect(o.reason).toBe('HTTP 502 from /productOffering after 6 attempts');
    expect(o.detail).toBe('Stopped after reading 250 items: what was written so far is kept (3 products created or updated); nothing was retired. 7 records could not be read or written and were skipped.');
    expect(runOutcome(makeRun({ status: 'failed', progress: nothing, counts: zero, error: null })).reason).toBe('The server recorded no reason.');
    expect(itemErrorsNote(makeRun({ status: 'failed', progress: { items_read: 250, items_total: null, percent: null }, error: 'x' }))).toBe('None among the 250 records read before the run stopped.');
  });

  it('words stops, cancels and abandoned runs by their stop reason', () => {
    expect(runOutcome(makeRun({ status: 'partially_succeeded', stop_reason: 'retire_guard', error: 'Retire guard: … Nothing was retired' })).title).toBe('Stopped at the retire guard — nothing was retired');
    expect(runOutcome(makeRun({ status: 'partially_succeeded', stop_reason: 'incomplete_snapshot', error: 'Incomplete snapshot: x' })).title).toBe('Incomplete snapshot — nothing was retired');
    const cancelled = runOutcome(makeRun({ status: 'cancelled', stop_reason: 'cancelled', progress: nothing, counts: zero }));
    expect(cancelled).toMatchObject({ tone: 'info', title: 'Cancelled', detail: 'Cancelled before anything was read; the catalog was not changed.' });
    expect(runOutcome(makeRun({ status: 'failed', stop_reason: 'abandoned', error: 'owner died' })).title).toMatch(/^Abandoned/);
    const partial = runOutcome(makeRun({ status: 'partially_succeeded', item_errors_total: 2, counts: { ...zero, updated: 1, unchanged: 395, skipped: 2 } }));
    expect(partial.title).toBe('Finished with 2 item errors');
    expect(partial.detail).toBe('Read 398 items: 1 updated. 2 records could not be read or written and were skipped.');
  });

  it('tells a clean run from one that read nothing', () => {
    expect(runOutcome(makeRun())).toMatchObject({ tone: 'success', title: 'Succeeded', detail: 'Read 398 items: 3 updated, 2 retired.' });
    expect(itemErrorsNote(makeRun())).toBe('All 398 records read could be mapped and written.');
    expect(runOutcome(makeRun({ mode: 'incremental', progress: nothing, counts: zero })).title).toBe('Up to date — nothing changed at the source');
    expect(runOutcome(makeRun({ mode: 'full', progress: nothing, counts: zero })).tone).toBe('warning');
    expect(itemErrorsNote(makeRun({ progress: nothing, counts: zero }))).toBe('The source returned no records.');
    expect(itemErrorsNote(makeRun({ status: 'running', progress: nothing }))).toBe('Nothing read yet.');
  });
});

describe('runsChart', () => {
  const xiva = (over: Partial<SyncRun>) => makeRun(over);
  const crm = (over: Partial<SyncRun>) => makeRun({ external_system_id: 'c0000000-0000-4000-8000-000000000001', external_system_name: 'CRM (simulator)', system_type: 'crm', ...over });

  it('draws one line per system on a UTC time axis, each run at its own time', () => {
    const runs = [
      xiva({ id: 'x3', status: 'running', finished_at: null }),
      crm({ id: 'c2', started_at: '2026-12-03T06:59:44Z', status: 'failed', counts: { created: 0, updated: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 }, error: 'TypeError: fetch failed' }),
      xiva({ id: 'x2', started_at: '2026-12-03T06:58:16Z', duration_ms: 6600 }),
      crm({ id: 'c1', started_at: '2026-12-03T06:56:16Z', counts: { created: 150, updated: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 } }),
      xiva({ id: 'x1', started_at: '2026-12-03T06:56:15Z', counts: { created: 400, updated: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 } }),
    ];
    const { option, systems, runAt } = runsChart(runs, 'changed');
    expect(option.xAxis.type).toBe('time');
    expect(option.useUTC).toBe(true);
    expect(option.series.map((s) => s.name)).toEqual(['Xiva BSS (simulator)', 'CRM (simulator)']);
    expect(option.legend.data).toEqual(['Xiva BSS (simulator)', 'CRM (simulator)']);
    expect(option.series.map((s) => s.type)).toEqual(['line', 'line']);
    // The running run has no point yet; each point sits at its run's start time.
    expect(option.series[0]!.data.map((p) => p.value)).toEqual([
      [Date.parse('2026-12-03T06:56:15Z'), 400],
      [Date.parse('2026-12-03T06:58:16Z'), 5],
    ]);
    expect(option.series[1]!.data.map((p) => p.value[1])).toEqual([150, 0]);
    // A failed run stands out.
    expect(option.series[1]!.data[1]).toMatchObject({ symbol: 'triangle', itemStyle: { color: '#e5484d' } });
    expect(runAt(1, 1)?.id).toBe('c2');
    expect(runAt(5, 0)).toBeNull();
    expect(systems.map((s) => s.runs.length)).toEqual([2, 2]);

    expect(runsChart(runs, 'duration').option.series[0]!.data.map((p) => p.value[1])).toEqual([3.3, 6.6]);
    expect(runsChart(runs, 'read').option.series[1]!.data.map((p) => p.value[1])).toEqual([398, 398]);
  });

  it('writes tooltips in the one time format, escaped, with the reason in words', () => {
    const { option } = runsChart([crm({ external_system_name: 'CRM <b>prod</b>', started_at: '2026-12-03T06:59:44Z', status: 'failed', error: 'TypeError: fetch failed' })]);
    const html = option.tooltip.formatter({ seriesIndex: 0, dataIndex: 0, marker: '' });
    expect(html).toContain('CRM &lt;b&gt;prod&lt;/b&gt;');
    expect(html).toContain('2026-12-03 06:59:44 UTC');
    expect(html).toContain('Could not reach the system');
    expect(html).not.toContain('TypeError');
  });

  it('keeps systems of the same name apart', () => {
    const twin = crm({ external_system_id: 'c0000000-0000-4000-8000-000000000002', external_system_name: 'Xiva BSS (simulator)' });
    expect(chartSystems([xiva({}), twin]).map((s) => s.name)).toEqual(['Xiva BSS (simulator) (Xiva BSS)', 'Xiva BSS (simulator) (CRM)']);
    expect(chartSystems([])).toEqual([]);
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

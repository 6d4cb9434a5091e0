import { describe, expect, it, vi } from 'vitest';
import { computed, ref } from 'vue';
import type { CatalogChange } from '@lyra/contracts';
import { ApiError } from '../../api/errors';
import { useConnectionTests, useRetireGuards } from './use-system-checks';
import { useRunChanges } from './use-run-changes';
import { makeRun, makeSystem, RUN_ID } from './test-fixtures';

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('useConnectionTests', () => {
  it('keeps ok and failed answers as results, and request failures as errors', async () => {
    const test = vi
      .fn()
      .mockResolvedValueOnce({ ok: true, message: 'v5, 400 offerings', details: {}, duration_ms: 97 })
      .mockResolvedValueOnce({ ok: false, message: '401 Unauthorized: check the credentials', details: {}, duration_ms: 40 })
      .mockRejectedValueOnce(new ApiError({ status: 404, code: 'not_found', message: 'External system not found' }));
    const tests = useConnectionTests(test);
    // What a view renders must follow every change (a raw object would freeze at "loading").
    const shown = computed(() => (tests.checks.x?.loading ? 'testing' : (tests.checks.x?.result?.message ?? tests.checks.x?.error ?? 'idle')));
    expect(shown.value).toBe('idle');
    const pending = tests.run('x');
    expect(shown.value).toBe('testing');
    await pending;
    expect(shown.value).toBe('v5, 400 offerings');
    expect(tests.checks.x).toMatchObject({ loading: false, error: null, result: { ok: true, message: 'v5, 400 offerings' } });
    await tests.run('x');
    expect(tests.checks.x?.result?.ok).toBe(false);
    await tests.run('x');
    expect(tests.checks.x).toMatchObject({ result: null, error: 'External system not found' });
    expect(shown.value).toBe('External system not found');
    tests.clear('x');
    expect(tests.checks.x).toBeUndefined();
  });
});

describe('useRetireGuards', () => {
  it("reads the guard stop from each system's last run, and from a run followed live", () => {
    const guards = useRetireGuards();
    const stopped = makeSystem({ last_run: { id: RUN_ID, status: 'partially_succeeded', mode: 'full', stop_reason: 'retire_guard', finished_at: null, created_at: '2026-11-25T05:00:00Z' } });
    // Partially succeeded for another reason (item errors): no forced sync to offer.
    const skipped = makeSystem({ id: 'skipped', last_run: { id: 'r2', status: 'partially_succeeded', mode: 'full', stop_reason: null, finished_at: null, created_at: '2026-11-25T05:00:00Z' } });
    const never = makeSystem({ id: 'never', last_run: null });
    guards.refresh([stopped, skipped, never]);
    expect(guards.stopped).toEqual({ [stopped.id]: true, skipped: false, never: false });
    guards.note(stopped.id, makeRun({ force: true, stop_reason: null }));
    expect(guards.stopped[stopped.id]).toBe(false);
    guards.note('skipped', makeRun({ status: 'partially_succeeded', stop_reason: 'retire_guard' }));
    expect(guards.stopped.skipped).toBe(true);
  });
});

describe('useRunChanges', () => {
  const change = (over: Partial<CatalogChange>): CatalogChange => ({
    id: 'c1',
    product_id: 'p1',
    external_system_id: null,
    sync_run_id: RUN_ID,
    change_type: 'retired',
    before: { name: 'Daily Data 512MB', price: '3.00', currency: 'SAR' },
    after: { reason: 'missing from a complete full sync' },
    created_at: '2026-11-25T06:00:00Z',
    ...over,
  });

  it("asks the API for this run's changes and names re-priced products by looking them up", async () => {
    const changes = vi.fn(async () => ({
      count: 2,
      results: [
        change({}),
        change({ id: 'c2', product_id: 'p2', change_type: 'price_changed', before: { price: '5.00', currency: 'SAR' }, after: { price: '5.50', currency: 'SAR' } }),
      ],
    }));
    const product = vi.fn(async (id: string) => ({ id, name: 'Data Booster 256MB' }));
    const r = useRunChanges(ref(RUN_ID), { changes, product });
    await flush();
    await flush();
    expect(changes).toHaveBeenCalledWith({ run_id: RUN_ID, limit: 500, offset: 0 }, expect.any(AbortSignal));
    expect(r.rows.value.map((c) => c.id)).toEqual(['c1', 'c2']);
    expect(r.total.value).toBe(2);
    expect(product).toHaveBeenCalledExactlyOnceWith('p2');
    expect(r.names).toEqual({ p1: 'Daily Data 512MB', p2: 'Data Booster 256MB' });
  });

  it('follows the run id and reports the total when the run changed more than one page', async () => {
    const changes = vi.fn(async () => ({ count: 1200, results: [change({})] }));
    const runId = ref(RUN_ID);
    const r = useRunChanges(runId, { changes, product: vi.fn() });
    await flush();
    expect(r.total.value).toBe(1200);
    expect(r.rows.value).toHaveLength(1);
    runId.value = 'b2d6c1e0-5a3f-4c2e-9d8b-7f6e5d4c3b2a';
    await flush();
    expect(changes).toHaveBeenLastCalledWith({ run_id: 'b2d6c1e0-5a3f-4c2e-9d8b-7f6e5d4c3b2a', limit: 500, offset: 0 }, expect.any(AbortSignal));
  });
});

import { describe, expect, it, vi } from 'vitest';
import { computed, ref } from 'vue';
import type { CatalogChange } from '@lyra/contracts';
import { ApiError } from '../../api/errors';
import { useConnectionTests, useRetireGuards } from './use-system-checks';
import { useRunChanges } from './use-run-changes';
import { makeRun, makeSystem, RUN_ID } from './test-fixtures';

const flush = () => new Promise((r) => setTimeout(r, 0));
const GUARD = 'Retire guard: this full sync would retire 100 of 398 Xiva products (25.1%, limit 20%). Nothing was retired.';

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
  it('reads partially succeeded full runs once to see whether the guard stopped them', async () => {
    const getRun = vi.fn(async () => makeRun({ status: 'partially_succeeded', error: GUARD }));
    const guards = useRetireGuards(getRun);
    const stopped = makeSystem({ last_run: { id: RUN_ID, status: 'partially_succeeded', mode: 'full', finished_at: null, created_at: '2026-11-25T05:00:00Z' } });
    const fine = makeSystem({ id: 'other' });
    await guards.refresh([stopped, fine]);
    expect(guards.stopped).toEqual({ [stopped.id]: true, other: false });
    await guards.refresh([stopped, fine]);
    expect(getRun).toHaveBeenCalledTimes(1);
    guards.note(stopped.id, makeRun({ force: true }));
    expect(guards.stopped[stopped.id]).toBe(false);
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

  it("keeps this run's changes and names re-priced products by looking them up", async () => {
    const changes = vi.fn(async () => ({
      count: 3,
      results: [
        change({}),
        change({ id: 'c2', product_id: 'p2', change_type: 'price_changed', before: { price: '5.00', currency: 'SAR' }, after: { price: '5.50', currency: 'SAR' } }),
        change({ id: 'c3', product_id: 'p3', sync_run_id: 'another-run' }),
      ],
    }));
    const product = vi.fn(async (id: string) => ({ id, name: 'Data Booster 256MB' }));
    const r = useRunChanges(ref(RUN_ID), { changes, product });
    await flush();
    await flush();
    expect(changes).toHaveBeenCalledWith({ limit: 500, offset: 0 }, expect.any(AbortSignal));
    expect(r.rows.value.map((c) => c.id)).toEqual(['c1', 'c2']);
    expect(product).toHaveBeenCalledExactlyOnceWith('p2');
    expect(r.names).toEqual({ p1: 'Daily Data 512MB', p2: 'Data Booster 256MB' });
    expect(r.maybeIncomplete.value).toBe(false);
  });
});

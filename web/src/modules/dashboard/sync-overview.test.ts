import { describe, expect, it } from 'vitest';
import { overviewFromRuns, overviewFromSystems } from './sync-overview';
import { makeRun, makeSystem } from '../catalog-sync/test-fixtures';

describe('sync overview', () => {
  it('lists systems in xiva, crm, billing order with their last run and next run', () => {
    const rows = overviewFromSystems([
      makeSystem({ id: 'b', name: 'Billing', system_type: 'billing', last_run: null, next_run_at: null }),
      makeSystem({ id: 'x' }),
    ]);
    expect(rows.map((r) => r.name)).toEqual(['Xiva BSS (simulator)', 'Billing']);
    expect(rows[0]).toMatchObject({ lastStatus: 'succeeded', lastAt: '2026-11-25T05:33:47.054Z', nextRunAt: '2026-11-26T02:00:00.000Z', running: false });
    expect(rows[1]).toMatchObject({ lastStatus: null, lastRunId: null, nextRunAt: null });
  });

  it('takes the newest run per system from the history (runs come newest first)', () => {
    const rows = overviewFromRuns([
      makeRun({ id: 'r3', external_system_id: 'c', system_type: 'crm', external_system_name: 'CRM', status: 'running', finished_at: null }),
      makeRun({ id: 'r2' }),
      makeRun({ id: 'r1', status: 'failed' }),
    ]);
    expect(rows.map((r) => [r.name, r.lastRunId, r.running])).toEqual([
      ['Xiva BSS (simulator)', 'r2', false],
      ['CRM', 'r3', true],
    ]);
    expect(rows[0]!.nextRunAt).toBeUndefined();
  });
});

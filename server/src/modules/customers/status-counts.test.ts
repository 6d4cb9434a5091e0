import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_STATUSES } from '@lyra/contracts';
import { createTestContext, type TestContext } from '../../../test/helpers.js';

/**
 * The per-status subscriber counts the customers table's triggers keep (migration 0018), which the
 * audience funnel reads as its base: after any mix of imports, re-imports that change a status,
 * refused files, deletes and a truncate, each status's sum is the table's own count.
 */
describe('customer status counts', () => {
  let t: TestContext;
  let admin: { authorization: string };

  beforeAll(async () => {
    t = await createTestContext();
    admin = await t.auth('admin');
  });
  afterAll(() => t.close());

  const importLines = (rows: object[]) => t.app.inject({
    method: 'POST', url: '/api/loyalty/v1/customers/import/', headers: { ...admin, 'content-type': 'application/x-ndjson' },
    payload: rows.map((r) => JSON.stringify(r)).join('\n'),
  });
  const subscriber = (n: number, status: string) => ({
    id: `SC-${n}`, msisdn: `96650000${String(n).padStart(4, '0')}`, name: `Subscriber ${n}`, status, segments: [], value_band: 'low',
    customer_value: '10', currency: 'SAR', plan_type: 'prepaid', activation_date: '2023-01-01',
  });
  const byStatus = async (text: string) => Object.fromEntries((await t.database.executeSql(text)).rows.map((r) => [String(r.status), Number(r.n)]));
  const kept = () => byStatus(`select status, sum(n) as n from customer_status_counts group by status having sum(n) <> 0`);
  const counted = () => byStatus(`select status, count(*) as n from customers group by status`);
  const activeBase = async () => Number((await t.database.executeSql(`select (select coalesce(sum(n), 0)::int from customer_status_counts where status = 'active') as n`)).rows[0]!.n);

  const status = fc.constantFrom(...CUSTOMER_STATUSES);
  const step = fc.oneof(
    // An import of new and existing subscribers (a re-import may change their status).
    fc.record({ kind: fc.constant('import' as const), rows: fc.uniqueArray(fc.record({ n: fc.integer({ min: 1, max: 12 }), status }), { selector: (r) => r.n, minLength: 1, maxLength: 6 }) }),
    // A file with one bad row: refused as a whole, nothing written.
    fc.record({ kind: fc.constant('refused' as const), rows: fc.uniqueArray(fc.record({ n: fc.integer({ min: 1, max: 12 }), status }), { selector: (r) => r.n, minLength: 1, maxLength: 4 }) }),
    fc.record({ kind: fc.constant('delete' as const), n: fc.integer({ min: 1, max: 12 }) }),
    fc.record({ kind: fc.constant('update' as const), n: fc.integer({ min: 1, max: 12 }), status }),
    fc.constant({ kind: 'truncate' as const }),
  );

  it('equal the table\'s own count per status after any sequence of writes', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
      await t.database.executeSql('truncate customers cascade');
      for (const s of steps) {
        if (s.kind === 'import') {
          const res = await importLines(s.rows.map((r) => subscriber(r.n, r.status)));
          expect(res.statusCode, res.body).toBe(200);
          // An import leaves one row per status (compactStatusCounts).
          const rows = (await t.database.executeSql(`select status, count(*)::int as k from customer_status_counts group by status`)).rows;
          expect(rows.every((r) => r.k === 1), JSON.stringify(rows)).toBe(true);
        } else if (s.kind === 'refused') {
          const res = await importLines([...s.rows.map((r) => subscriber(r.n, r.status)), { ...subscriber(99, 'active'), status: 'dormant' }]);
          expect(res.statusCode, res.body).toBe(422);
        } else if (s.kind === 'delete') {
          await t.database.executeSql(`delete from customers where id = $1`, [`SC-${s.n}`]);
        } else if (s.kind === 'update') {
          await t.database.executeSql(`update customers set status = $1 where id = $2`, [s.status, `SC-${s.n}`]);
        } else {
          await t.database.executeSql('truncate customers cascade');
        }
        expect(await kept()).toEqual(await counted());
      }
      expect(await activeBase()).toBe((await counted()).active ?? 0);
    }), { numRuns: 15 });
  });

  it('stay exact when two imports write at once', async () => {
    await t.database.executeSql('truncate customers cascade');
    const batch = (from: number, status: string) => Array.from({ length: 40 }, (_, i) => subscriber(from + i, status));
    const [a, b] = await Promise.all([importLines(batch(1000, 'active')), importLines([...batch(1020, 'suspended'), ...batch(2000, 'churned')])]);
    expect([a.statusCode, b.statusCode], `${a.body} ${b.body}`).toEqual([200, 200]);
    expect(await kept()).toEqual(await counted());
    expect(await activeBase()).toBe((await counted()).active ?? 0);
  });
});

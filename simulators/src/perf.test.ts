import { describe, expect, it } from 'vitest';
import { CRM_QUERY_PATH, startBillingSimulator, startCrmSimulator, startXivaSimulator, XIVA_V5_BASE } from './index.js';
import { billingAuth, crmLogin, xivaLogin } from './test-utils.js';

const N = 100_000;

/** Wall time, and CPU time of this process: other processes on a busy machine inflate only the former. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const t = performance.now();
  const c = process.cpuUsage();
  const value = await fn();
  const u = process.cpuUsage(c);
  return { value, ms: performance.now() - t, cpuMs: (u.user + u.system) / 1000 };
}

async function fetchText(url: string, headers: Record<string, string>): Promise<string> {
  const res = await fetch(url, { headers });
  expect(res.ok).toBe(true);
  return res.text();
}

// Bounds are loose on purpose (shared, busy machines); they catch O(n) work per page, which
// would cost seconds at this size, not small regressions.
describe('100,000-item catalogs', () => {
  it('start fast and serve large pages with O(page) work', async () => {
    const xiva = await timed(() => startXivaSimulator({ items: N }));
    const crm = await timed(() => startCrmSimulator({ items: N }));
    const billing = await timed(() => startBillingSimulator({ items: N }));
    try {
      // Typically 50-300 ms each: only ids and timestamps are built up front.
      for (const [name, s] of [['xiva', xiva], ['crm', crm], ['billing', billing]] as const) {
        expect(s.cpuMs, `${name} start CPU ms`).toBeLessThan(1500);
        expect(s.ms, `${name} start wall ms`).toBeLessThan(5000);
      }

      const { access } = await xivaLogin(xiva.value.url);
      const h = { authorization: `JWT ${access}` };
      const pageUrl = `${xiva.value.url}${XIVA_V5_BASE}productOffering/?offset=50000&limit=1000`;
      await fetchText(pageUrl, h);
      const warm = await timed(() => fetchText(pageUrl, h));
      expect(JSON.parse(warm.value)).toHaveLength(1000);
      expect(warm.ms, 'cached 1000-item Xiva page').toBeLessThan(1000);
      const deep = await timed(() => fetchText(`${xiva.value.url}${XIVA_V5_BASE}productOffering/?offset=50000&limit=1000&lastUpdate.gte=2024-06-01T00:00:00Z`, h));
      expect(deep.ms, 'filtered Xiva page (builds the lastUpdate index)').toBeLessThan(3000);
      const next = await timed(() => fetchText(`${xiva.value.url}${XIVA_V5_BASE}productOffering/?offset=51000&limit=1000&lastUpdate.gte=2024-06-01T00:00:00Z`, h));
      expect(next.ms, 'next filtered Xiva page (cached result set)').toBeLessThan(1000);

      const token = await crmLogin(crm.value.url);
      const first = await timed(() => fetchText(`${crm.value.url}${CRM_QUERY_PATH}?q=${encodeURIComponent('SELECT Id, Name, SystemModstamp FROM Product2 ORDER BY SystemModstamp, Id')}`, { authorization: `Bearer ${token}` }));
      const parsed = JSON.parse(first.value) as { totalSize: number; records: unknown[]; nextRecordsUrl: string };
      expect(parsed.totalSize).toBe(N);
      expect(parsed.records).toHaveLength(2000);
      expect(first.ms, 'first CRM query page (builds the SystemModstamp index)').toBeLessThan(3000);
      const second = await timed(() => fetchText(`${crm.value.url}${parsed.nextRecordsUrl}`, { authorization: `Bearer ${token}` }));
      expect(JSON.parse(second.value).records).toHaveLength(2000);
      expect(second.ms, 'CRM nextRecordsUrl page').toBeLessThan(1000);

      const list = await timed(() => fetchText(`${billing.value.url}/api/v2/item_prices?limit=100&sort_by[asc]=updated_at&updated_at[after]=1700000000`, billingAuth()));
      expect(JSON.parse(list.value).list).toHaveLength(100);
      expect(list.ms, 'billing page sorted by updated_at').toBeLessThan(2000);
    } finally {
      await Promise.all([xiva.value.close(), crm.value.close(), billing.value.close()]);
    }
  });
});

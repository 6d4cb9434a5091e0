import { describe, expect, it } from 'vitest';
import { CUSTOMER_IMPORT_ROWS, CUSTOMER_IMPORT_TABLES } from '@lyra/contracts';
import { demoCatalog } from '../demo/demo-catalog.js';
import { buildCatalog } from './synthetic.catalog.js';
import { generateSynthetic, syntheticLabels, type SyntheticData, type SyntheticProduct } from './synthetic.js';
import { DATA_HEAVY_GB } from './synthetic.truth.js';

/** The demo catalog with stable ids, as the generator receives catalog rows. */
const PRODUCTS: SyntheticProduct[] = demoCatalog()
  .filter((p) => p.is_active)
  .map((p, i) => ({ ...p, id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
const SNAPSHOT = '2026-11-01';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Rank AUC (ties count half). */
function auc(scores: number[], labels: number[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && scores[order[j]!] === scores[order[i]!]) j++;
    const rank = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if (labels[order[k]!]) {
      pos++;
      rankSum += rank;
    }
    i = j;
  }
  const neg = labels.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Labels drawn from p: their count is within z standard deviations of the expected count. */
function expectCalibrated(ps: number[], ys: number[], z = 4) {
  const expected = ps.reduce((a, b) => a + b, 0);
  const sd = Math.sqrt(ps.reduce((a, p) => a + p * (1 - p), 0));
  const observed = ys.reduce((a, b) => a + b, 0);
  expect(Math.abs(observed - expected), `observed ${observed}, expected ${expected.toFixed(1)} ± ${sd.toFixed(1)}`).toBeLessThan(z * sd);
}

describe('synthetic subscribers', () => {
  const data: SyntheticData = generateSynthetic({ customers: 3000, seed: 11, snapshot: SNAPSHOT, products: PRODUCTS });
  const labels = syntheticLabels(data);
  const snapshotInstant = `${SNAPSHOT}T00:00:00Z`;

  it('is deterministic: the same seed gives the same rows and truth, any chunking gives the same subscribers', () => {
    const opts = { customers: 300, seed: 5, snapshot: SNAPSHOT, products: PRODUCTS };
    const a = generateSynthetic(opts);
    const b = generateSynthetic(opts);
    expect(JSON.stringify(b.customers)).toBe(JSON.stringify(a.customers));
    expect(JSON.stringify(b.payments)).toBe(JSON.stringify(a.payments));
    expect([...b.truth.purchase]).toEqual([...a.truth.purchase]);
    expect([...b.truth.response]).toEqual([...a.truth.response]);
    const other = generateSynthetic({ ...opts, seed: 6 });
    expect(JSON.stringify(other.customers)).not.toBe(JSON.stringify(a.customers));
    const head = generateSynthetic({ ...opts, range: { from: 0, to: 120 } });
    const tail = generateSynthetic({ ...opts, range: { from: 120, to: 300 } });
    for (const table of CUSTOMER_IMPORT_TABLES) {
      expect(JSON.stringify([...head[table], ...tail[table]]), table).toBe(JSON.stringify(a[table]));
    }
    expect(new Set(a.customers.map((c) => c.msisdn)).size).toBe(300);
  });

  it('produces rows the import accepts, referencing the catalog and each other', () => {
    const productIds = new Set(PRODUCTS.map((p) => p.id));
    const customerIds = new Set(data.customers.map((c) => c.id));
    const billIds = new Set(data.bills.map((b) => b.id));
    for (const table of CUSTOMER_IMPORT_TABLES) {
      const rows = data[table] as object[];
      expect(rows.length, table).toBeGreaterThan(0);
      for (const row of rows) {
        const parsed = CUSTOMER_IMPORT_ROWS[table].safeParse(row);
        if (!parsed.success) throw new Error(`${table} ${JSON.stringify(row)}: ${parsed.error.message}`);
      }
    }
    for (const rows of [data.holdings, data.purchases]) for (const r of rows) expect(productIds.has(String(r.product_id))).toBe(true);
    for (const rows of [data.holdings, data.usage, data.bills, data.purchases, data.contacts]) for (const r of rows) expect(customerIds.has(r.customer_id)).toBe(true);
    for (const p of data.payments) expect(billIds.has(p.bill_id)).toBe(true);
    for (const table of ['customers', 'holdings', 'bills', 'payments', 'purchases', 'contacts'] as const) {
      const ids = (data[table] as { id: string }[]).map((r) => r.id);
      expect(new Set(ids).size, table).toBe(ids.length);
    }
  });

  it('keeps history before the snapshot and outcomes inside their windows', () => {
    for (const u of data.usage) expect(`${u.month}-01` < SNAPSHOT).toBe(true);
    for (const c of data.customers) expect(c.activation_date < SNAPSHOT).toBe(true);
    const { from, to } = data.windows.purchase;
    const after = data.purchases.filter((p) => String(p.purchased_at) >= from);
    expect(after.length).toBeGreaterThan(0);
    for (const p of after) expect(String(p.purchased_at) < to).toBe(true);
    for (const c of data.contacts) {
      const campaign = data.campaigns.find((x) => x.id === c.campaign_id)!;
      expect(String(c.contacted_at) >= snapshotInstant).toBe(campaign.afterSnapshot);
      if (c.responded_at) expect(Date.parse(String(c.responded_at)) - Date.parse(String(c.contacted_at))).toBeLessThanOrEqual(14 * 86_400_000);
    }
    // Payments may come after the snapshot (late payers), never after the extract.
    for (const p of data.payments) expect(p.paid_date <= '2027-01-30').toBe(true);
    // Every label's bill is due in the window.
    for (const b of data.bills.filter((x) => data.truth.default.has(x.id))) {
      expect(b.due_date >= data.windows.default.dueFrom && b.due_date < data.windows.default.dueTo).toBe(true);
    }
  });

  it('looks like a telecom subscriber base', () => {
    const share = (pred: (c: (typeof data.customers)[number]) => boolean) => data.customers.filter(pred).length / data.customers.length;
    expect(share((c) => c.plan_type === 'prepaid')).toBeGreaterThan(0.55);
    expect(share((c) => c.plan_type === 'prepaid')).toBeLessThan(0.75);
    expect(share((c) => c.status === 'churned')).toBeGreaterThan(0.02);
    expect(share((c) => c.status === 'churned')).toBeLessThan(0.12);
    for (const band of ['low', 'medium', 'high', 'vip'] as const) expect(share((c) => c.value_band === band), band).toBeGreaterThan(0.02);
    expect(share((c) => c.device_os === 'ios')).toBeGreaterThan(0.1);
    const data12 = data.usage.map((u) => u.data_gb).sort((a, b) => a - b);
    const median = data12[Math.floor(data12.length / 2)]!;
    expect(median).toBeGreaterThan(4);
    expect(median).toBeLessThan(30);
    // Young subscribers use more data than old ones; postpaid subscribers are worth more.
    const f = [...data.features.values()];
    expect(mean(f.filter((x) => x.ageIndex === 0).map((x) => x.avgDataGb3m))).toBeGreaterThan(2 * mean(f.filter((x) => x.ageIndex >= 4).map((x) => x.avgDataGb3m)));
    expect(mean(f.filter((x) => x.planType === 'postpaid').map((x) => x.customerValue))).toBeGreaterThan(mean(f.filter((x) => x.planType === 'prepaid').map((x) => x.customerValue)));
    // Postpaid subscribers get a bill a month; most bills are paid by their due date, some late.
    const postpaid = data.customers.filter((c) => c.plan_type === 'postpaid').length;
    expect(data.bills.length / postpaid).toBeGreaterThan(9);
    const settled = new Map<string, string>();
    for (const p of data.payments) if (!settled.has(p.bill_id) || p.paid_date > settled.get(p.bill_id)!) settled.set(p.bill_id, p.paid_date);
    const history = data.bills.filter((b) => b.due_date < '2026-09-01');
    const late = history.filter((b) => !settled.has(b.id) || settled.get(b.id)! > b.due_date).length / history.length;
    expect(late).toBeGreaterThan(0.05);
    expect(late).toBeLessThan(0.3);
    // Holdings reference the plan the subscriber is on.
    const roles = new Map(buildCatalog(PRODUCTS, 'SAR').map((c) => [c.product.id, c.role]));
    const prepaidPlanHolders = new Set(data.holdings.filter((h) => roles.get(String(h.product_id)) === 'prepaid_plan').map((h) => h.customer_id));
    for (const c of data.customers.filter((x) => prepaidPlanHolders.has(x.id))) expect(c.plan_type).toBe('prepaid');
  });

  it('states a probability in (0, 1) for every label, and draws the labels from it', () => {
    expect(data.truth.purchase.size).toBe(3000 * buildCatalog(PRODUCTS, 'SAR').length);
    for (const p of data.truth.purchase.values()) expect(p > 0 && p < 1).toBe(true);
    for (const p of data.truth.default.values()) expect(p > 0 && p < 1).toBe(true);
    for (const [id, r] of data.truth.response) {
      expect(r.pControl > 0 && r.pControl < 1 && r.pTreated > 0 && r.pTreated < 1).toBe(true);
      const group = data.contacts.find((c) => c.id === id)?.group;
      expect(r.p).toBe(group === 'control' ? r.pControl : r.pTreated);
    }
    for (const kind of ['purchase', 'default'] as const) {
      const keys = [...data.truth[kind].keys()];
      expect(keys.length, kind).toBeGreaterThan(500);
      const ps = keys.map((k) => data.truth[kind].get(k)!);
      const ys = keys.map((k) => labels[kind].get(k)!);
      expectCalibrated(ps, ys);
      // Within the top and bottom halves too: the labels follow p, not just its mean.
      const order = keys.map((_, i) => i).sort((a, b) => ps[a]! - ps[b]!);
      for (const half of [order.slice(0, order.length / 2), order.slice(order.length / 2)]) expectCalibrated(half.map((i) => ps[i]!), half.map((i) => ys[i]!));
      expect(auc(ps, ys), kind).toBeGreaterThan(0.75);
    }
    const contactIds = [...data.truth.response.keys()];
    expectCalibrated(contactIds.map((k) => data.truth.response.get(k)!.p), contactIds.map((k) => labels.response.get(k)!));
    expect(data.summary.purchase.pairs).toBe(data.truth.purchase.size);
  });

  it('makes purchases depend on the product against the subscriber: price against spend, allowance against usage', () => {
    const catalog = buildCatalog(PRODUCTS, 'SAR');
    const byId = new Map(catalog.map((c) => [c.product.id, c]));
    const dear: number[] = [];
    const cheap: number[] = [];
    const short: number[] = [];
    const covered: number[] = [];
    for (const [key, p] of data.truth.purchase) {
      const [customerId, productId] = key.split('|') as [string, string];
      const f = data.features.get(customerId)!;
      const item = byId.get(productId)!;
      if (f.status !== 'active') continue;
      if (item.role === 'device' || item.role === 'roaming') continue;
      const q = item.monthly / Math.max(f.avgSpend3m, 10);
      if (q >= 1.5) dear.push(p);
      else if (q < 0.3) cheap.push(p);
      if (item.role === 'pass') (f.avgDataGb3m > f.heldDataGb + 2 ? short : covered).push(p);
    }
    expect(mean(cheap)).toBeGreaterThan(2 * mean(dear));
    expect(mean(short)).toBeGreaterThan(2 * mean(covered));
  });

  it('gives default risk that rises with late payment history', () => {
    const byHistory = new Map<string, number[]>();
    for (const b of data.bills) {
      const p = data.truth.default.get(b.id);
      if (p === undefined) continue;
      const late = data.features.get(b.customer_id)!.lateBills12m;
      const key = late === 0 ? 'none' : late <= 2 ? 'some' : 'many';
      byHistory.set(key, [...(byHistory.get(key) ?? []), p]);
    }
    expect(mean(byHistory.get('some')!)).toBeGreaterThan(1.5 * mean(byHistory.get('none')!));
    expect(mean(byHistory.get('many')!)).toBeGreaterThan(mean(byHistory.get('some')!));
  });

  it('has a control group and an uplift that differs by subscriber', () => {
    const control = data.contacts.filter((c) => c.group === 'control').length / data.contacts.length;
    expect(control).toBeGreaterThan(0.15);
    expect(control).toBeLessThan(0.25);
    const groups = { persuadable: [] as number[], young_light_prepaid: [] as number[], others: [] as number[], sleeping_dogs: [] as number[] };
    const observed = { treated: [] as number[], control: [] as number[] };
    for (const c of data.contacts) {
      const t = data.truth.response.get(c.id)!;
      const campaign = data.campaigns.find((x) => x.id === c.campaign_id)!;
      // Post-snapshot contacts use the snapshot features; older ones their own day's.
      const f = data.features.get(c.customer_id)!;
      const uplift = t.pTreated - t.pControl;
      const young = f.ageIndex <= 1;
      if (!campaign.afterSnapshot) continue;
      if (f.planType === 'prepaid' && young && f.avgDataGb3m >= DATA_HEAVY_GB) {
        groups.persuadable.push(uplift);
        if (campaign.role === 'pass' || campaign.role === 'data_monthly') observed[c.group].push(c.responded ? 1 : 0);
      } else if (f.planType === 'prepaid' && young) groups.young_light_prepaid.push(uplift);
      else if (f.planType === 'postpaid' && f.ageIndex >= 3 && (f.valueBand === 'high' || f.valueBand === 'vip')) groups.sleeping_dogs.push(uplift);
      else if (f.planType === 'prepaid') groups.others.push(uplift);
    }
    expect(mean(groups.persuadable)).toBeGreaterThan(0.05);
    expect(Math.abs(mean(groups.others))).toBeLessThan(0.01);
    expect(mean(groups.sleeping_dogs)).toBeLessThan(0);
    expect(mean(groups.persuadable)).toBeGreaterThan(mean(groups.young_light_prepaid));
    // The drawn responses show the effect: contacted persuadables respond far more than held-out ones.
    expect(observed.control.length).toBeGreaterThan(30);
    expect(mean(observed.treated) - mean(observed.control)).toBeGreaterThan(0.04);
  });
});

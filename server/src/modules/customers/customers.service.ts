import {
  currencyExponent,
  type BillingCycle, type BillList, type CampaignContactList, type CustomerList, type CustomerListQuery, type CustomerProfile,
  type CustomerProfileQuery, type CustomerSubListQuery, type HoldingList, type Payment, type ProductType, type PurchaseList, type UsageList,
} from '@lyra/contracts';
import { AppError } from '../../lib/errors.js';
import { todayUtc, toIso } from '../../lib/time.js';
import { money, monthsBetween, toBill, toContact, toCustomer, toHolding, toPayment, toPurchase, toUsage } from './customers.mapper.js';
import type { CustomerRow, CustomersRepository } from './customers.repository.js';
import type { SyntheticProduct } from './synthetic.js';

type Repo = Pick<CustomersRepository, 'list' | 'findById' | 'summary' | 'holdings' | 'usage' | 'bills' | 'purchases' | 'contacts' | 'hasAny' | 'sellableProducts'>;

export function createCustomersService(deps: { customers: Repo }) {
  const { customers } = deps;

  async function existing(id: string): Promise<CustomerRow> {
    const row = await customers.findById(id);
    if (!row) throw AppError.notFound('Customer');
    return row;
  }

  return {
    hasAny: () => customers.hasAny(),

    /** The catalog synthetic subscribers hold and buy from: products on sale, in the generator's shape. */
    async generatorCatalog(): Promise<SyntheticProduct[]> {
      const rows = await customers.sellableProducts();
      return rows.map((r) => ({
        id: r.id, external_product_id: r.externalProductId, name: r.name, category: r.category, product_type: r.productType as ProductType,
        price: r.price, currency: r.currency, recurring: r.recurring, billing_cycle: r.billingCycle as BillingCycle, features: r.features,
        target_segments: r.targetSegments,
      }));
    },

    async list(q: CustomerListQuery): Promise<CustomerList> {
      const { count, results: rows } = await customers.list(q);
      const today = todayUtc();
      return { count, results: rows.map((r) => toCustomer(r, today)) };
    },

    async get(id: string, q: CustomerProfileQuery = {}): Promise<CustomerProfile> {
      const row = await existing(id);
      const asOf = q.as_of ?? todayUtc();
      const s = await customers.summary(id, asOf, currencyExponent(row.currency) ?? 2);
      return {
        ...toCustomer(row),
        summary: {
          as_of: asOf,
          tenure_months: monthsBetween(row.activationDate, asOf),
          current_holdings: s.currentHoldings,
          avg_spend_3m: s.avgSpend3m == null ? null : money(s.avgSpend3m, row.currency),
          avg_data_gb_3m: s.avgDataGb3m,
          avg_voice_minutes_3m: s.avgVoice3m,
          last_usage_month: s.lastUsageMonth,
          open_bills: s.openBills,
          open_amount: money(s.openAmount, row.currency),
          overdue_bills: s.overdueBills,
          late_bills_12m: s.lateBills12m,
          purchases_90d: s.purchases90d,
          last_purchase_at: toIso(s.lastPurchaseAt),
          contacts_90d: s.contacts90d,
          responses_90d: s.responses90d,
        },
      };
    },

    async holdings(id: string, q: CustomerSubListQuery): Promise<HoldingList> {
      await existing(id);
      const { count, results: rows } = await customers.holdings(id, q);
      const now = Date.now();
      return { count, results: rows.map((r) => toHolding(r, now)) };
    },

    async usage(id: string, q: CustomerSubListQuery): Promise<UsageList> {
      const row = await existing(id);
      const { count, results: rows } = await customers.usage(id, q);
      return { count, results: rows.map((r) => toUsage(r, row.currency)) };
    },

    async bills(id: string, q: CustomerSubListQuery): Promise<BillList> {
      await existing(id);
      const { count, results: rows, payments } = await customers.bills(id, q);
      const byBill = new Map<string, Payment[]>();
      const currencyOf = new Map(rows.map((b) => [b.id, b.currency]));
      for (const p of payments) {
        const list = byBill.get(p.billId) ?? [];
        list.push(toPayment(p, currencyOf.get(p.billId)!));
        byBill.set(p.billId, list);
      }
      const today = todayUtc();
      return { count, results: rows.map((b) => toBill(b, byBill.get(b.id) ?? [], today)) };
    },

    async purchases(id: string, q: CustomerSubListQuery): Promise<PurchaseList> {
      const row = await existing(id);
      const { count, results: rows } = await customers.purchases(id, q);
      return { count, results: rows.map((r) => toPurchase(r, row.currency)) };
    },

    async contacts(id: string, q: CustomerSubListQuery): Promise<CampaignContactList> {
      await existing(id);
      const { count, results: rows } = await customers.contacts(id, q);
      return { count, results: rows.map(toContact) };
    },
  };
}
export type CustomersService = ReturnType<typeof createCustomersService>;

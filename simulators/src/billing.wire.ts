/**
 * The billing simulator's wire format (Chargebee-style item prices) and its paths, shared by the
 * records (billing.records.ts) and the HTTP handlers (billing.ts).
 */
export const BILLING_ITEM_PRICES_PATH = '/api/v2/item_prices';
export const BILLING_DEFAULT_CREDENTIALS = { apiKey: 'test_LyraSimulatorBillingKey' };

export interface BillingItemPrice {
  id?: string;
  name?: string;
  external_name?: string;
  item_family_id: string;
  item_id: string;
  description: string;
  status: 'active' | 'archived' | 'deleted';
  pricing_model: 'flat_fee' | 'per_unit';
  /** Integer minor units; a string only in malformed items. */
  price: number | string;
  currency_code: string;
  period?: number;
  period_unit?: 'day' | 'week' | 'month' | 'year';
  item_type: 'plan' | 'addon' | 'charge';
  free_quantity: number;
  channel: string;
  is_taxable: boolean;
  resource_version: number;
  updated_at: number;
  created_at: number;
  archived_at?: number;
  show_description_in_invoices: boolean;
  show_description_in_quotes: boolean;
  metadata: Record<string, string | number>;
  object: 'item_price';
}

import { CUSTOMER_STATUSES, PLAN_TYPES, VALUE_BANDS, type CustomerStatus, type PlanType, type ValueBand } from '@lyra/contracts';
import type { CustomerListApiQuery } from '../../api/customers';
import type { Patch } from '../../lib/patch';

/** What the filter bar edits; names match the API's query parameters. */
export interface CustomerFilters {
  search?: string;
  status?: CustomerStatus;
  plan_type?: PlanType;
  value_band?: ValueBand;
  segment?: string;
}

export interface CustomerListState {
  filters: CustomerFilters;
  page: number;
  pageSize: number;
}

export type RouteQuery = Record<string, string | null | (string | null)[] | undefined>;

export const PAGE_SIZES = [20, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 20;
export const FILTER_KEYS = ['search', 'status', 'plan_type', 'value_band', 'segment'] as const;

const first = (v: RouteQuery[string]): string | undefined => {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.trim() !== '' ? s : undefined;
};
const oneOf = <T extends string>(allowed: readonly T[], v: string | undefined): T | undefined =>
  v !== undefined && (allowed as readonly string[]).includes(v) ? (v as T) : undefined;
const positiveInt = (v: string | undefined) => (v && /^\d{1,6}$/.test(v) && Number(v) >= 1 ? Number(v) : undefined);

/** URL -> list state; unknown or malformed values are dropped so a stale link still opens a working page. */
export function parseCustomerQuery(query: RouteQuery): CustomerListState {
  const filters: CustomerFilters = {};
  const search = first(query.search)?.slice(0, 200);
  if (search) filters.search = search;
  const status = oneOf(CUSTOMER_STATUSES, first(query.status));
  if (status) filters.status = status;
  const plan = oneOf(PLAN_TYPES, first(query.plan_type));
  if (plan) filters.plan_type = plan;
  const band = oneOf(VALUE_BANDS, first(query.value_band));
  if (band) filters.value_band = band;
  const segment = first(query.segment)?.slice(0, 64);
  if (segment) filters.segment = segment;
  const size = positiveInt(first(query.page_size));
  return {
    filters,
    page: positiveInt(first(query.page)) ?? 1,
    pageSize: size && (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE,
  };
}

/** List state -> URL, defaults left out so the plain page stays `/customers`. */
export function toCustomerRouteQuery(state: CustomerListState): Record<string, string> {
  const q: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const v = state.filters[key];
    if (v) q[key] = v;
  }
  if (state.page > 1) q.page = String(state.page);
  if (state.pageSize !== DEFAULT_PAGE_SIZE) q.page_size = String(state.pageSize);
  return q;
}

export function toCustomerApiQuery(state: CustomerListState): CustomerListApiQuery {
  const q: CustomerListApiQuery = {};
  for (const key of FILTER_KEYS) {
    const v = state.filters[key]?.trim();
    if (v) q[key] = v;
  }
  return { ...q, limit: state.pageSize, offset: (state.page - 1) * state.pageSize };
}

export const hasCustomerFilters = (filters: CustomerFilters) => FILTER_KEYS.some((k) => Boolean(filters[k]));

/** A filter change returns to page 1. Empty strings clear the filter. */
export function withCustomerFilters(state: CustomerListState, patch: Patch<CustomerFilters>): CustomerListState {
  const filters: CustomerFilters = { ...state.filters };
  for (const [key, value] of Object.entries(patch) as [keyof CustomerFilters, string | undefined][]) {
    if (value) (filters as Record<string, string>)[key] = value;
    else delete filters[key];
  }
  return { ...state, filters, page: 1 };
}

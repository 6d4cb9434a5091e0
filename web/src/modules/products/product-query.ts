import {
  EXTERNAL_SYSTEMS,
  PRODUCT_STATUSES,
  PRODUCT_TYPES,
  type ExternalSystemKind,
  type ProductStats,
  type ProductStatus,
  type ProductType,
} from '@lyra/contracts';
import type { ProductListApiQuery } from '../../api/products';
import type { Patch } from '../../lib/patch';
import { SYSTEM_LABELS, systemNameOf } from './product-labels';

/** What the filter bar edits; names match the API's query parameters. */
export interface ProductFilters {
  search?: string;
  product_type?: ProductType;
  category?: string;
  status?: ProductStatus;
  /** A type: every system of it (and, for manual, the products created in Lyra). */
  external_system?: ExternalSystemKind;
  /** One connected system; several may share a type. */
  external_system_id?: string;
  is_available?: 'true' | 'false';
  /** A view, not a filter: one row per offer group (its master record, with a badge per source). */
  collapse_groups?: 'true';
}

export interface ProductListState {
  filters: ProductFilters;
  ordering: string;
  page: number;
  pageSize: number;
}

export type RouteQuery = Record<string, string | null | (string | null)[] | undefined>;

export const PAGE_SIZES = [10, 20, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 20;
export const DEFAULT_ORDERING = 'name';
export const FILTER_KEYS = ['search', 'product_type', 'category', 'status', 'external_system', 'external_system_id', 'is_available', 'collapse_groups'] as const;

/** Table column prop -> API ordering field. */
export const SORTABLE_COLUMNS = {
  name: 'name',
  price: 'price',
  product_type: 'product_type',
  category: 'category',
  last_synced: 'last_synced',
} as const;
export type SortableColumn = keyof typeof SORTABLE_COLUMNS;
export type SortOrder = 'ascending' | 'descending' | null;

const first = (v: RouteQuery[string]): string | undefined => {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.trim() !== '' ? s : undefined;
};
const oneOf = <T extends string>(allowed: readonly T[], v: string | undefined): T | undefined =>
  v !== undefined && (allowed as readonly string[]).includes(v) ? (v as T) : undefined;
const ORDERINGS = Object.values(SORTABLE_COLUMNS).flatMap((f) => [f, `-${f}`]) as string[];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * URL -> list state. Anything unknown or malformed is dropped rather than sent, so a hand-edited
 * or stale link still opens a working page.
 */
export function parseListQuery(query: RouteQuery): ProductListState {
  const filters: ProductFilters = {};
  const search = first(query.search)?.slice(0, 200);
  if (search) filters.search = search;
  const type = oneOf(PRODUCT_TYPES, first(query.product_type));
  if (type) filters.product_type = type;
  const category = first(query.category)?.slice(0, 200);
  if (category) filters.category = category;
  const status = oneOf(PRODUCT_STATUSES, first(query.status));
  if (status) filters.status = status;
  const system = oneOf(EXTERNAL_SYSTEMS, first(query.external_system));
  if (system) filters.external_system = system;
  const systemId = first(query.external_system_id);
  if (systemId && UUID.test(systemId)) filters.external_system_id = systemId.toLowerCase();
  const available = oneOf(['true', 'false'] as const, first(query.is_available));
  if (available) filters.is_available = available;
  if (first(query.collapse_groups) === 'true') filters.collapse_groups = 'true';

  const ordering = oneOf(ORDERINGS, first(query.ordering)) ?? DEFAULT_ORDERING;
  const page = positiveInt(first(query.page)) ?? 1;
  const sizeRaw = positiveInt(first(query.page_size));
  const pageSize = sizeRaw && (PAGE_SIZES as readonly number[]).includes(sizeRaw) ? sizeRaw : DEFAULT_PAGE_SIZE;
  return { filters, ordering, page, pageSize };
}

function positiveInt(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d{1,6}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 ? n : undefined;
}

/** List state -> URL query, leaving defaults out so the plain page URL stays `/admin/products`. */
export function toRouteQuery(state: ProductListState): Record<string, string> {
  const q: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const v = state.filters[key];
    if (v) q[key] = v;
  }
  if (state.ordering !== DEFAULT_ORDERING) q.ordering = state.ordering;
  if (state.page > 1) q.page = String(state.page);
  if (state.pageSize !== DEFAULT_PAGE_SIZE) q.page_size = String(state.pageSize);
  return q;
}

export function filtersToApi(filters: ProductFilters): ProductListApiQuery {
  const q: ProductListApiQuery = {};
  for (const key of FILTER_KEYS) {
    const v = filters[key];
    if (v) q[key] = key === 'search' ? v.trim() : v;
  }
  return q;
}

export function toApiQuery(state: ProductListState): ProductListApiQuery {
  return {
    ...filtersToApi(state.filters),
    ordering: state.ordering,
    limit: state.pageSize,
    offset: (state.page - 1) * state.pageSize,
  };
}

export function hasActiveFilters(filters: ProductFilters): boolean {
  return FILTER_KEYS.some((k) => k !== 'collapse_groups' && Boolean(filters[k]));
}

/** Changing a filter sends the user back to page 1: page 7 of the old result set means nothing now. */
export function withFilters(state: ProductListState, patch: Patch<ProductFilters>): ProductListState {
  const filters: ProductFilters = { ...state.filters };
  for (const [key, value] of Object.entries(patch) as [keyof ProductFilters, string | undefined][]) {
    if (value === undefined || value === '' || value === null) delete filters[key];
    else (filters as Record<string, string>)[key] = value;
  }
  return { ...state, filters, page: 1 };
}

export function orderingFromSort(prop: string | null | undefined, order: SortOrder): string {
  const field = prop && prop in SORTABLE_COLUMNS ? SORTABLE_COLUMNS[prop as SortableColumn] : undefined;
  if (!field || !order) return DEFAULT_ORDERING;
  return order === 'descending' ? `-${field}` : field;
}

export function sortFromOrdering(ordering: string): { prop: SortableColumn; order: Exclude<SortOrder, null> } {
  const desc = ordering.startsWith('-');
  const field = desc ? ordering.slice(1) : ordering;
  const prop = (Object.keys(SORTABLE_COLUMNS) as SortableColumn[]).find((k) => SORTABLE_COLUMNS[k] === field) ?? 'name';
  return { prop, order: desc ? 'descending' : 'ascending' };
}

/** The last page can disappear (deletes, narrower filters); point back at the last page that exists. */
export function clampPage(page: number, pageSize: number, count: number): number {
  const last = Math.max(1, Math.ceil(count / pageSize));
  return Math.min(page, last);
}

/** Where "Back to catalog" goes: the list the user came from (with its filters), else the plain list. */
export function catalogBackLink(previous: string | null): string {
  return previous && previous.startsWith('/admin/products') && !previous.startsWith('/admin/products/') ? previous : '/admin/products';
}

/** One choice of the "Source" filter: a connected system (by id), or a type (manual, or all systems of a type). */
export interface SourceOption {
  value: string;
  label: string;
}

/** The filter's value for the current filters: `id:<system id>`, `type:<type>` or none. */
export function sourceValue(f: ProductFilters): string {
  if (f.external_system_id) return `id:${f.external_system_id}`;
  return f.external_system ? `type:${f.external_system}` : '';
}

/** A choice -> the filters it sets; the other key is cleared, so one source is filtered at a time. */
export function sourcePatch(value: string | undefined | null): Patch<Pick<ProductFilters, 'external_system' | 'external_system_id'>> {
  if (value?.startsWith('id:')) return { external_system_id: value.slice(3), external_system: undefined };
  const type = oneOf(EXTERNAL_SYSTEMS, value?.startsWith('type:') ? value.slice(5) : undefined);
  return { external_system: type, external_system_id: undefined };
}

/**
 * The choices, from the catalog's sources (stats): each connected system by name; a type's
 * products of no system (manual ones: created in Lyra); and, when several systems share a type,
 * all of them at once. The current choice stays listed even if the stats do not have it.
 */
export function sourceOptions(sources: ProductStats['sources'], current: ProductFilters): SourceOption[] {
  const options: SourceOption[] = [];
  const perType = new Map<string, number>();
  for (const s of sources) if (s.external_system_id) perType.set(s.external_system, (perType.get(s.external_system) ?? 0) + 1);
  for (const type of EXTERNAL_SYSTEMS) {
    const ofType = sources.filter((s) => s.external_system === type);
    if ((perType.get(type) ?? 0) > 1) options.push({ value: `type:${type}`, label: `All ${SYSTEM_LABELS[type]} systems` });
    for (const s of ofType) {
      if (s.external_system_id) options.push({ value: `id:${s.external_system_id}`, label: systemNameOf(s) });
      else if (type === 'manual') options.push({ value: 'type:manual', label: 'Created in Lyra' });
      else if (!(perType.get(type) ?? 0)) options.push({ value: `type:${type}`, label: SYSTEM_LABELS[type] });
    }
  }
  const selected = sourceValue(current);
  if (selected && !options.some((o) => o.value === selected)) {
    options.push({ value: selected, label: current.external_system ? SYSTEM_LABELS[current.external_system] : 'Selected system' });
  }
  return options;
}

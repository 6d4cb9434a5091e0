import { describe, expect, it } from 'vitest';
import {
  catalogBackLink,
  clampPage,
  filtersToApi,
  hasActiveFilters,
  orderingFromSort,
  parseListQuery,
  sortFromOrdering,
  sourceOptions,
  sourcePatch,
  sourceValue,
  toApiQuery,
  toRouteQuery,
  withFilters,
} from './product-query';
import { systemNameOf } from './product-labels';

describe('URL <-> list state', () => {
  it('reads a full query', () => {
    const state = parseListQuery({
      search: 'social',
      product_type: 'data',
      category: 'Prepaid',
      status: 'active',
      external_system: 'xiva',
      is_available: 'true',
      ordering: '-price',
      page: '3',
      page_size: '50',
    });
    expect(state).toEqual({
      filters: { search: 'social', product_type: 'data', category: 'Prepaid', status: 'active', external_system: 'xiva', is_available: 'true' },
      ordering: '-price',
      page: 3,
      pageSize: 50,
    });
  });

  it('drops unknown and malformed values instead of sending them', () => {
    const state = parseListQuery({ product_type: 'spaceship', status: 'gone', ordering: '-password', page: '-2', page_size: '7', is_available: 'maybe', search: '   ' });
    expect(state).toEqual({ filters: {}, ordering: 'name', page: 1, pageSize: 20 });
  });

  it('takes the first of repeated parameters', () => {
    expect(parseListQuery({ product_type: ['sms', 'data'] }).filters.product_type).toBe('sms');
  });

  it('round-trips and leaves defaults out of the URL', () => {
    expect(toRouteQuery(parseListQuery({}))).toEqual({});
    const q = { search: 'x', product_type: 'sms', ordering: '-last_synced', page: '2', page_size: '100' };
    expect(toRouteQuery(parseListQuery(q))).toEqual(q);
  });
});

describe('API query', () => {
  it('maps page to limit/offset and keeps filters', () => {
    const state = parseListQuery({ search: ' unlimited ', product_type: 'bundle', page: '3', page_size: '50', ordering: '-price' });
    expect(toApiQuery(state)).toEqual({ search: 'unlimited', product_type: 'bundle', ordering: '-price', limit: 50, offset: 100 });
    expect(filtersToApi(state.filters)).toEqual({ search: 'unlimited', product_type: 'bundle' });
  });
});

describe('filters', () => {
  it('resets to page 1 and removes cleared filters', () => {
    const state = parseListQuery({ product_type: 'sms', search: 'abc', page: '4' });
    const next = withFilters(state, { search: '', status: 'retired' });
    expect(next.page).toBe(1);
    expect(next.filters).toEqual({ product_type: 'sms', status: 'retired' });
    expect(hasActiveFilters(next.filters)).toBe(true);
    expect(hasActiveFilters({})).toBe(false);
  });
});

describe('sorting', () => {
  it('maps table sort to ordering and back', () => {
    expect(orderingFromSort('price', 'descending')).toBe('-price');
    expect(orderingFromSort('last_synced', 'ascending')).toBe('last_synced');
    expect(orderingFromSort('price', null)).toBe('name');
    expect(orderingFromSort('secret', 'ascending')).toBe('name');
    expect(sortFromOrdering('-category')).toEqual({ prop: 'category', order: 'descending' });
    expect(sortFromOrdering('name')).toEqual({ prop: 'name', order: 'ascending' });
  });
});

describe('clampPage', () => {
  it('points at the last existing page', () => {
    expect(clampPage(5, 20, 41)).toBe(3);
    expect(clampPage(2, 20, 0)).toBe(1);
    expect(clampPage(1, 20, 100)).toBe(1);
  });
});

describe('catalogBackLink', () => {
  it('returns to the filtered list the user came from, else the plain list', () => {
    expect(catalogBackLink('/admin/products?product_type=sms&page=2')).toBe('/admin/products?product_type=sms&page=2');
    expect(catalogBackLink('/admin/products/abc')).toBe('/admin/products');
    expect(catalogBackLink('/admin/audit-log')).toBe('/admin/products');
    expect(catalogBackLink(null)).toBe('/admin/products');
  });
});

describe('the Source filter: one connected system by id, or a type', () => {
  const PROD = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
  const STAGING = '7a2e3d4c-5b6f-4071-9b8c-0d1e2f3a4b5c';
  const OCS = '8b3f4e5d-6c70-4182-8c9d-1e2f3a4b5c6d';
  const sources = [
    { external_system: 'xiva', external_system_id: PROD, external_system_name: 'Xiva production', count: 60 },
    { external_system: 'xiva', external_system_id: STAGING, external_system_name: 'Xiva staging', count: 58 },
    { external_system: 'billing', external_system_id: OCS, external_system_name: 'Prepaid OCS', count: 12 },
    { external_system: 'crm', external_system_id: null, external_system_name: null, count: 4 },
    { external_system: 'manual', external_system_id: null, external_system_name: null, count: 9 },
  ] as const;

  it('offers each system by name, all systems of a shared type, and manual products', () => {
    expect(sourceOptions([...sources], {})).toEqual([
      { value: 'type:xiva', label: 'All Xiva BSS systems' },
      { value: `id:${PROD}`, label: 'Xiva production' },
      { value: `id:${STAGING}`, label: 'Xiva staging' },
      { value: 'type:crm', label: 'CRM' },
      { value: `id:${OCS}`, label: 'Prepaid OCS' },
      { value: 'type:manual', label: 'Created in Lyra' },
    ]);
  });

  it('sets one of external_system_id or external_system, clearing the other', () => {
    const byId = withFilters(parseListQuery({ external_system: 'xiva' }), sourcePatch(`id:${STAGING}`));
    expect(byId.filters).toEqual({ external_system_id: STAGING });
    expect(sourceValue(byId.filters)).toBe(`id:${STAGING}`);
    expect(toApiQuery(byId)).toMatchObject({ external_system_id: STAGING });
    expect(toRouteQuery(byId)).toEqual({ external_system_id: STAGING });
    const byType = withFilters(byId, sourcePatch('type:manual'));
    expect(byType.filters).toEqual({ external_system: 'manual' });
    expect(withFilters(byType, sourcePatch('')).filters).toEqual({});
    expect(withFilters(byType, sourcePatch('type:spaceship')).filters).toEqual({});
  });

  it('reads a system id from the URL (a system card links there), and drops a malformed one', () => {
    expect(parseListQuery({ external_system_id: STAGING.toUpperCase(), status: 'retired' }).filters).toEqual({ external_system_id: STAGING, status: 'retired' });
    expect(parseListQuery({ external_system_id: 'xiva' }).filters).toEqual({});
    expect(hasActiveFilters({ external_system_id: STAGING })).toBe(true);
    // A system the stats do not list (no products yet) is still shown as chosen.
    const other = 'ad516a7f-8e92-43a4-8ebf-3a4b5c6d7e8f';
    expect(sourceOptions([...sources], { external_system_id: other }).at(-1)).toEqual({ value: `id:${other}`, label: 'Selected system' });
  });

  it("names a product's system: its name, else its type, and says when the system was removed", () => {
    expect(systemNameOf({ external_system: 'xiva', external_system_id: STAGING, external_system_name: 'Xiva staging' })).toBe('Xiva staging');
    expect(systemNameOf({ external_system: 'manual', external_system_id: null, external_system_name: null })).toBe('Manual');
    expect(systemNameOf({ external_system: 'billing', external_system_id: OCS, external_system_name: null })).toBe('Billing (removed system)');
  });
});

describe('collapsed offer groups view', () => {
  it('lives in the URL, reaches the API, and is not counted as a filter', () => {
    const state = parseListQuery({ collapse_groups: 'true', search: 'roaming' });
    expect(state.filters.collapse_groups).toBe('true');
    expect(toRouteQuery(state)).toMatchObject({ collapse_groups: 'true' });
    expect(filtersToApi(state.filters)).toMatchObject({ collapse_groups: 'true' });
    expect(parseListQuery({ collapse_groups: 'yes' }).filters.collapse_groups).toBeUndefined();
    expect(hasActiveFilters({ collapse_groups: 'true' })).toBe(false);
    expect(hasActiveFilters({ collapse_groups: 'true', search: 'x' })).toBe(true);
  });
});

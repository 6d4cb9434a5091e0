import { describe, expect, it } from 'vitest';
import {
  catalogBackLink,
  clampPage,
  filtersToApi,
  hasActiveFilters,
  orderingFromSort,
  parseListQuery,
  sortFromOrdering,
  toApiQuery,
  toRouteQuery,
  withFilters,
} from './product-query';

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

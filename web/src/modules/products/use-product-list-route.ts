import { computed } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import type { Patch } from '../../lib/patch';
import {
  clampPage,
  orderingFromSort,
  parseListQuery,
  toRouteQuery,
  withFilters,
  type ProductFilters,
  type ProductListState,
  type SortOrder,
} from './product-query';

/**
 * The product list's filters, sort and page live in the URL so reload, back/forward and shared
 * links all show the same list. Filter edits replace the history entry; paging pushes one.
 */
export function useProductListRoute() {
  const route = useRoute();
  const router = useRouter();
  const state = computed<ProductListState>(() => parseListQuery(route.query));

  function go(next: ProductListState, how: 'push' | 'replace' = 'push') {
    const location = { path: route.path, query: toRouteQuery(next) };
    return how === 'push' ? router.push(location) : router.replace(location);
  }

  return {
    state,
    setFilters: (patch: Patch<ProductFilters>) => go(withFilters(state.value, patch), 'replace'),
    // The collapsed view is a way of looking, not a filter: clearing filters keeps it.
    clearFilters: () => go({ ...state.value, filters: state.value.filters.collapse_groups ? { collapse_groups: 'true' } : {}, page: 1 }),
    setSort: (prop: string | null, order: SortOrder) => go({ ...state.value, ordering: orderingFromSort(prop, order), page: 1 }, 'replace'),
    setPage: (page: number) => go({ ...state.value, page }),
    setPageSize: (pageSize: number) => go({ ...state.value, pageSize, page: 1 }, 'replace'),
    /** After a delete or a narrower result the current page may be past the end. */
    fixPage: (count: number) => {
      const page = clampPage(state.value.page, state.value.pageSize, count);
      if (page !== state.value.page) void go({ ...state.value, page }, 'replace');
    },
  };
}

import { computed, watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import type { CustomerList } from '@lyra/contracts';
import { customersApi, type CustomerListApiQuery } from '../../api/customers';
import type { Patch } from '../../lib/patch';
import { useResource } from '../../lib/use-resource';
import {
  hasCustomerFilters, parseCustomerQuery, toCustomerApiQuery, toCustomerRouteQuery, withCustomerFilters,
  type CustomerFilters, type CustomerListState,
} from './customer-query';

export type CustomerFetcher = (query: CustomerListApiQuery, signal?: AbortSignal) => Promise<CustomerList>;

/**
 * The subscriber list: filters and page live in the URL (reload, back and shared links show the same
 * list); the list reloads from the server whenever they change.
 */
export function useCustomerList(fetchList: CustomerFetcher = customersApi.list) {
  const route = useRoute();
  const router = useRouter();
  const state = computed<CustomerListState>(() => parseCustomerQuery(route.query));
  const go = (next: CustomerListState, how: 'push' | 'replace' = 'push') => {
    const location = { path: route.path, query: toCustomerRouteQuery(next) };
    return how === 'push' ? router.push(location) : router.replace(location);
  };

  const resource = useResource((signal) => fetchList(toCustomerApiQuery(state.value), signal), { immediate: false });
  watch(() => JSON.stringify(toCustomerApiQuery(state.value)), () => void resource.reload(), { immediate: true });

  const rows = computed(() => resource.data.value?.results ?? []);
  const count = computed(() => resource.data.value?.count ?? 0);
  /** `no-customers`: nothing imported yet; `no-match`: the filters exclude everyone. */
  const emptyKind = computed<'no-customers' | 'no-match' | null>(() => {
    if (resource.loading.value || resource.error.value || !resource.data.value || count.value > 0) return null;
    return hasCustomerFilters(state.value.filters) ? 'no-match' : 'no-customers';
  });

  return {
    ...resource,
    state,
    rows,
    count,
    emptyKind,
    setFilters: (patch: Patch<CustomerFilters>) => go(withCustomerFilters(state.value, patch), 'replace'),
    clearFilters: () => go({ ...state.value, filters: {}, page: 1 }),
    setPage: (page: number) => go({ ...state.value, page }),
    setPageSize: (pageSize: number) => go({ ...state.value, pageSize, page: 1 }, 'replace'),
  };
}

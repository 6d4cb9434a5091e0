import { computed, watch, type Ref } from 'vue';
import type { ProductList } from '@lyra/contracts';
import { productsApi, type ProductListApiQuery } from '../../api/products';
import { useResource } from '../../lib/use-resource';
import { hasActiveFilters, toApiQuery, type ProductListState } from './product-query';

export type ListFetcher = (query: ProductListApiQuery, signal?: AbortSignal) => Promise<ProductList>;
/** `no-products`: the catalog is empty; `no-match`: the filters exclude everything. They need different help. */
export type EmptyKind = 'no-products' | 'no-match' | null;

/** Server-side paginated product list that reloads whenever the list state (from the URL) changes. */
export function useProductList(state: Ref<ProductListState>, fetchList: ListFetcher = productsApi.list) {
  const resource = useResource((signal) => fetchList(toApiQuery(state.value), signal), { immediate: false });
  // Compare by value: a new but equal state object (e.g. a no-op route replace) must not refetch.
  watch(() => JSON.stringify(toApiQuery(state.value)), () => void resource.reload(), { immediate: true });

  const rows = computed(() => resource.data.value?.results ?? []);
  const count = computed(() => resource.data.value?.count ?? 0);
  const emptyKind = computed<EmptyKind>(() => {
    if (resource.loading.value || resource.error.value || !resource.data.value || count.value > 0) return null;
    return hasActiveFilters(state.value.filters) ? 'no-match' : 'no-products';
  });
  /** Categories seen so far feed the category filter's suggestions (the API has no category list). */
  const seenCategories = new Set<string>();
  const categories = computed(() => {
    for (const p of rows.value) if (p.category) seenCategories.add(p.category);
    return [...seenCategories].sort((a, b) => a.localeCompare(b));
  });

  return { ...resource, rows, count, emptyKind, categories };
}

import { computed, reactive, watch, type Ref } from 'vue';
import type { CatalogChange, Product } from '@lyra/contracts';
import { syncApi, type CatalogChangesQuery } from '../../api/catalog-sync';
import { productsApi } from '../../api/products';
import { useResource } from '../../lib/use-resource';
import { changeName } from './run-summary';

/** The API's page limit; far above what one run usually retires or re-prices. */
export const CHANGES_PAGE = 500;
/** Price changes carry no product name; at most this many products are looked up to name them. */
export const MAX_NAME_LOOKUPS = 25;

export interface RunChangesApi {
  changes: (query: CatalogChangesQuery, signal?: AbortSignal) => Promise<{ count: number; results: CatalogChange[] }>;
  product: (id: string) => Promise<Pick<Product, 'id' | 'name'>>;
}

const defaultApi: RunChangesApi = { changes: syncApi.changes, product: productsApi.get };

/** Retirements, re-pricings and reactivations one sync run made, with product names where known. */
export function useRunChanges(runId: Ref<string>, api: RunChangesApi = defaultApi) {
  const resource = useResource(async (signal) => {
    const page = await api.changes({ run_id: runId.value, limit: CHANGES_PAGE, offset: 0 }, signal);
    return { total: page.count, rows: page.results };
  }, { immediate: false });
  watch(runId, () => void resource.reload(), { immediate: true });

  const names = reactive<Record<string, string>>({});
  watch(
    () => resource.data.value,
    async (data) => {
      if (!data) return;
      for (const c of data.rows) {
        const n = changeName(c.before, c.after);
        if (n) names[c.product_id] ??= n;
      }
      const missing = [...new Set(data.rows.map((c) => c.product_id))].filter((id) => !names[id]).slice(0, MAX_NAME_LOOKUPS);
      await Promise.all(
        missing.map(async (id) => {
          try {
            names[id] = (await api.product(id)).name;
          } catch {
            // Deleted since: the row still links by id.
          }
        }),
      );
    },
  );

  const rows = computed(() => resource.data.value?.rows ?? []);
  /** All of this run's changes, of which `rows` holds the newest page. */
  const total = computed(() => resource.data.value?.total ?? 0);
  return { ...resource, rows, names, total };
}

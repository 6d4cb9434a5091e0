import { computed, getCurrentScope, onScopeDispose, watch, type Ref } from 'vue';
import type { SyncRun } from '@lyra/contracts';
import { syncApi, type SyncRunsQuery } from '../../api/catalog-sync';
import { useResource } from '../../lib/use-resource';
import { isActiveStatus } from './run-summary';
import { runsToApiQuery, type RunListState } from './sync-run-query';

export type RunsFetcher = (query: SyncRunsQuery, signal?: AbortSignal) => Promise<{ count: number; results: SyncRun[] }>;

/**
 * The runs for the filters in `state`. While a listed run is queued or running the list refreshes
 * itself every `refreshMs`, so statuses and counts move without the user pressing Refresh.
 */
export function useSyncHistory(state: Ref<RunListState>, fetchRuns: RunsFetcher = syncApi.runs, refreshMs = 2000) {
  const resource = useResource((signal) => fetchRuns(runsToApiQuery(state.value), signal), { immediate: false });
  watch(() => JSON.stringify(runsToApiQuery(state.value)), () => void resource.reload(), { immediate: true });

  const rows = computed(() => resource.data.value?.results ?? []);
  const count = computed(() => resource.data.value?.count ?? 0);
  const anyActive = computed(() => rows.value.some((r) => isActiveStatus(r.status)));

  let timer: ReturnType<typeof setTimeout> | undefined;
  const clear = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const key = () => JSON.stringify(runsToApiQuery(state.value));

  /** Re-reads the same page without the loading mask; an answer for filters no longer shown is dropped. */
  async function refreshQuietly() {
    const asked = key();
    try {
      const fresh = await fetchRuns(runsToApiQuery(state.value));
      if (asked === key() && !resource.loading.value) resource.data.value = fresh;
      else schedule();
    } catch {
      schedule();
    }
  }

  function schedule() {
    clear();
    if (anyActive.value) timer = setTimeout(() => void refreshQuietly(), refreshMs);
  }
  watch(() => resource.data.value, schedule);
  if (getCurrentScope()) onScopeDispose(clear);

  return { ...resource, rows, count, anyActive };
}

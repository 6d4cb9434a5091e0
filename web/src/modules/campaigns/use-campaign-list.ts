import { computed, watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import type { CampaignList } from '@lyra/contracts';
import { campaignsApi, type CampaignListApiQuery } from '../../api/campaigns';
import { useResource } from '../../lib/use-resource';
import { hasFilters, parseListQuery, toApiQuery, toRouteQuery, type CampaignListState } from './campaign-query';

export type CampaignListFetcher = (query: CampaignListApiQuery, signal?: AbortSignal) => Promise<CampaignList>;

/** A server-paged campaign list that reloads whenever its state changes (compared by value). */
export function useCampaignList(state: () => CampaignListState, fetchList: CampaignListFetcher = campaignsApi.list) {
  const resource = useResource((signal) => fetchList(toApiQuery(state()), signal), { immediate: false });
  watch(() => JSON.stringify(toApiQuery(state())), () => void resource.reload(), { immediate: true });
  const rows = computed(() => resource.data.value?.results ?? []);
  const count = computed(() => resource.data.value?.count ?? 0);
  /** `none`: no campaign yet; `no-match`: the filters exclude every one. */
  const emptyKind = computed<'none' | 'no-match' | null>(() => {
    if (resource.loading.value || resource.error.value || !resource.data.value || count.value > 0) return null;
    return hasFilters(state()) ? 'no-match' : 'none';
  });
  return { ...resource, rows, count, emptyKind };
}

/** The list's filters and page in the URL: reload, back and shared links show the same list. */
export function useCampaignListRoute() {
  const route = useRoute();
  const router = useRouter();
  const state = computed(() => parseListQuery(route.query));
  const go = (next: CampaignListState, how: 'push' | 'replace' = 'replace') => {
    const location = { path: route.path, query: toRouteQuery(next) };
    return how === 'push' ? router.push(location) : router.replace(location);
  };
  return {
    state,
    setFilter: (patch: Partial<Pick<CampaignListState, 'status' | 'objective' | 'search'>>) => go({ ...state.value, ...patch, page: 1 }),
    clear: () => go({ ...state.value, status: undefined, objective: undefined, search: '', page: 1 }),
    setPage: (page: number) => go({ ...state.value, page }, 'push'),
    setPageSize: (pageSize: number) => go({ ...state.value, pageSize, page: 1 }),
  };
}

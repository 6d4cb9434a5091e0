import { computed, watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { auditApi } from '../../api/audit';
import type { Patch } from '../../lib/patch';
import { useResource } from '../../lib/use-resource';
import { auditToApiQuery, auditToRouteQuery, parseAuditQuery, type AuditListState } from './audit-query';

/** Audit entries for the filters in the URL; filter changes go back to page 1. */
export function useAuditLog() {
  const route = useRoute();
  const router = useRouter();
  const state = computed(() => parseAuditQuery(route.query));
  const resource = useResource((signal) => auditApi.list(auditToApiQuery(state.value), signal), { immediate: false });
  watch(() => JSON.stringify(auditToApiQuery(state.value)), () => void resource.reload(), { immediate: true });

  const go = (next: AuditListState) => router.push({ path: route.path, query: auditToRouteQuery(next) });
  return {
    ...resource,
    state,
    rows: computed(() => resource.data.value?.results ?? []),
    count: computed(() => resource.data.value?.count ?? 0),
    setFilter: (patch: Patch<Omit<AuditListState, 'page'>>) => go({ ...state.value, ...patch, page: 1 }),
    setPage: (page: number) => go({ ...state.value, page }),
    clear: () => go({ page: 1 }),
  };
}

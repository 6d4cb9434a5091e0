import { CAMPAIGN_OBJECTIVES, CAMPAIGN_STATUSES, type CampaignObjective, type CampaignStatus } from '@lyra/contracts';
import type { LocationQuery, LocationQueryRaw } from 'vue-router';
import type { CampaignListApiQuery } from '../../api/campaigns';

export const PAGE_SIZES = [10, 25, 50, 100] as const;
const DEFAULT_PAGE_SIZE = 25;

export interface CampaignListState {
  status: CampaignStatus | undefined;
  objective: CampaignObjective | undefined;
  search: string;
  page: number;
  pageSize: number;
}

const one = (v: LocationQuery[string] | undefined): string | undefined => (Array.isArray(v) ? (v[0] ?? undefined) : (v ?? undefined));
const oneOf = <T extends string>(values: readonly T[], v: string | undefined): T | undefined => (values as readonly string[]).includes(v ?? '') ? (v as T) : undefined;
const positive = (v: string | undefined, fallback: number) => {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

/** The list's state from the URL; anything unknown falls back, so a hand-edited link still opens a list. */
export function parseListQuery(q: LocationQuery): CampaignListState {
  const size = positive(one(q.page_size), DEFAULT_PAGE_SIZE);
  return {
    status: oneOf(CAMPAIGN_STATUSES, one(q.status)),
    objective: oneOf(CAMPAIGN_OBJECTIVES, one(q.objective)),
    search: one(q.search)?.trim() ?? '',
    page: positive(one(q.page), 1),
    pageSize: (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE,
  };
}

export function toRouteQuery(s: CampaignListState): LocationQueryRaw {
  return {
    ...(s.status ? { status: s.status } : {}),
    ...(s.objective ? { objective: s.objective } : {}),
    ...(s.search ? { search: s.search } : {}),
    ...(s.page > 1 ? { page: String(s.page) } : {}),
    ...(s.pageSize !== DEFAULT_PAGE_SIZE ? { page_size: String(s.pageSize) } : {}),
  };
}

/** The API's query for a page of the list. */
export function toApiQuery(s: CampaignListState): CampaignListApiQuery {
  return {
    ...(s.status ? { status: s.status } : {}),
    ...(s.objective ? { objective: s.objective } : {}),
    ...(s.search ? { search: s.search } : {}),
    limit: s.pageSize,
    offset: (s.page - 1) * s.pageSize,
  };
}

export const hasFilters = (s: CampaignListState) => !!(s.status || s.objective || s.search);

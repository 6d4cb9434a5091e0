import { computed } from 'vue';
import type { CampaignList, CampaignListItem } from '@lyra/contracts';
import { campaignsApi } from '../../api/campaigns';
import { useResource } from '../../lib/use-resource';
import { attentionItems } from './campaign-actions';

/** How many campaigns the landing page reads at once: the live ones of a CVM team fit well within it. */
const LANDING_LIMIT = 200;

/**
 * The marketer's landing page: the campaigns grouped by what they need (attention, running with
 * their results, waiting for approval, drafts), from one read of the list.
 */
export function useCampaignLanding(
  user: () => { id: string | null; canApprove: boolean },
  fetchList: (signal: AbortSignal) => Promise<CampaignList> = (signal) => campaignsApi.list({ limit: LANDING_LIMIT }, signal),
) {
  const resource = useResource(fetchList);
  const all = computed<CampaignListItem[]>(() => resource.data.value?.results ?? []);
  const by = (...statuses: CampaignListItem['status'][]) => computed(() => all.value.filter((c) => statuses.includes(c.status)));
  const running = by('running', 'scheduled');
  const paused = by('paused');
  const pending = by('pending_approval');
  const drafts = by('draft');
  const attention = computed(() => attentionItems(all.value, user().id, user().canApprove));
  /** More campaigns exist than were read: the landing links to the full list. */
  const truncated = computed(() => (resource.data.value?.count ?? 0) > all.value.length);
  return { ...resource, all, running, paused, pending, drafts, attention, truncated };
}

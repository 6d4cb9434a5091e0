import { computed, onScopeDispose, ref, shallowRef, watch, type Ref } from 'vue';
import type { AudiencePreview, Campaign, CampaignReport, CampaignVersionList } from '@lyra/contracts';
import { campaignsApi, type StatusAction } from '../../api/campaigns';
import { errorMessage, isApiError } from '../../api/errors';
import { useResource } from '../../lib/use-resource';

export interface CampaignDeps {
  get: (id: string, signal?: AbortSignal) => Promise<Campaign>;
  versions: (id: string, signal?: AbortSignal) => Promise<CampaignVersionList>;
  preview: (id: string, signal?: AbortSignal) => Promise<AudiencePreview>;
  report: (id: string, signal?: AbortSignal) => Promise<CampaignReport>;
  action: (id: string, action: StatusAction, reason?: string) => Promise<Campaign>;
  launch: (id: string) => Promise<Campaign>;
  acknowledge: (id: string) => Promise<Campaign>;
  approveVersion: (id: string, version: number) => Promise<Campaign>;
}

const defaultDeps: CampaignDeps = {
  get: campaignsApi.get,
  versions: campaignsApi.versions,
  preview: campaignsApi.preview,
  report: campaignsApi.report,
  action: campaignsApi.action,
  launch: campaignsApi.launch,
  acknowledge: campaignsApi.acknowledge,
  approveVersion: campaignsApi.approveVersion,
};

/** A launched (or launching) campaign has results and a snapshot; before launch the view previews its audience instead. */
export const isLaunched = (c: Pick<Campaign, 'status' | 'launched_at' | 'launch_state'>) =>
  c.launched_at !== null || c.launch_state !== null || ['running', 'paused', 'completed'].includes(c.status);

/** The launch job is queued or working. */
export const isLaunching = (c: Pick<Campaign, 'launch_state'> | null | undefined) => !!c && (c.launch_state === 'queued' || c.launch_state === 'snapshot' || c.launch_state === 'contacts');

/** The launch's progress in words and percent, from the campaign's launch fields. */
export function launchProgress(c: Pick<Campaign, 'launch_state' | 'launch_done' | 'launch_total'>): { text: string; percent: number | null } {
  const of = c.launch_total ? ` — ${c.launch_done.toLocaleString('en-US')} of ${c.launch_total.toLocaleString('en-US')}` : '';
  const percent = c.launch_total ? Math.min(100, Math.round((c.launch_done / c.launch_total) * 100)) : null;
  switch (c.launch_state) {
    case 'queued':
      return { text: 'Waiting for the launch job to start', percent: null };
    case 'snapshot':
      return { text: `Freezing the audience and its control group${of}`, percent };
    case 'contacts':
      return { text: `Writing each treated subscriber's contacts and messages${of}`, percent };
    case 'done':
      return { text: 'Launched', percent: 100 };
    case 'failed':
      return { text: 'The launch failed', percent };
    case null:
      return { text: 'Not launched', percent: null };
  }
}

/**
 * One campaign's page: the campaign, its versions, its audience (the live preview before launch),
 * its results after, and the status actions. An action's refusal (409 naming the allowed ones,
 * maker-checker) is kept to show; the campaign is replaced by each answer.
 */
export function useCampaign(id: Ref<string>, deps: CampaignDeps = defaultDeps, pollMs = 1500) {
  const campaign = useResource((signal) => deps.get(id.value, signal), { immediate: false });
  const versions = useResource((signal) => deps.versions(id.value, signal), { immediate: false });
  const preview = useResource((signal) => deps.preview(id.value, signal), { immediate: false });
  const report = useResource((signal) => deps.report(id.value, signal), { immediate: false });
  const busy = ref<string | null>(null);
  const actionError = shallowRef<string | null>(null);

  const loadSides = (c: Campaign) => {
    void versions.reload();
    if (isLaunched(c)) void report.reload();
    else void preview.reload();
  };
  watch(id, async () => {
    await campaign.reload();
    if (campaign.data.value) loadSides(campaign.data.value);
  }, { immediate: true });

  async function run(label: string, call: () => Promise<Campaign>): Promise<boolean> {
    busy.value = label;
    actionError.value = null;
    try {
      const c = await call();
      campaign.data.value = c;
      loadSides(c);
      return true;
    } catch (err) {
      actionError.value = errorMessage(err);
      // The status moved under us (another person acted): show the campaign as it now is.
      if (isApiError(err) && err.status === 409) void campaign.reload();
      return false;
    } finally {
      busy.value = null;
    }
  }

  // A launch is a job: follow its progress until it is done or failed.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const launching = computed(() => isLaunching(campaign.data.value));
  watch(
    () => campaign.data.value,
    (c) => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (!isLaunching(c)) return;
      timer = setTimeout(() => {
        void campaign.reload().then(() => {
          const now = campaign.data.value;
          if (now && !isLaunching(now)) loadSides(now);
        });
      }, pollMs);
    },
  );
  onScopeDispose(() => clearTimeout(timer));

  const notFound = computed(() => isApiError(campaign.error.value) && campaign.error.value.status === 404);
  return {
    campaign, versions, preview, report, busy, actionError, notFound,
    launching,
    act: (action: StatusAction, reason?: string) => run(action, () => deps.action(id.value, action, reason)),
    launch: () => run('launch', () => deps.launch(id.value)),
    acknowledge: () => run('acknowledge', () => deps.acknowledge(id.value)),
    approveVersion: (version: number) => run('approve-version', () => deps.approveVersion(id.value, version)),
  };
}

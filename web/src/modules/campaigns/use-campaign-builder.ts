import { computed, reactive, ref, shallowRef, watch } from 'vue';
import { AudiencePreviewRequest, type AudiencePreview, type AudiencePreviewRequestInput, type Campaign, type CampaignRoutes } from '@lyra/contracts';
import type { BodyOf } from '../../api/client';
import { campaignsApi } from '../../api/campaigns';
import { isApiError } from '../../api/errors';
import { debounce } from '../../lib/debounce';
import { useServerErrors } from '../../lib/use-server-errors';
import { checkStep, emptyForm, formOf, previewRequest, stepOfField, toBody, type CampaignForm, type StepIndex } from './campaign-form';

export interface BuilderDeps {
  get: (id: string) => Promise<Campaign>;
  create: (body: BodyOf<typeof CampaignRoutes.create>) => Promise<Campaign>;
  update: (id: string, body: BodyOf<typeof CampaignRoutes.update>) => Promise<Campaign>;
  submit: (id: string) => Promise<Campaign>;
  preview: (body: AudiencePreviewRequestInput, signal?: AbortSignal) => Promise<AudiencePreview>;
  /** Any product a campaign may offer: the preview's stand-in before an offer is picked. */
  standIn: () => Promise<string | null>;
}

const defaultDeps: BuilderDeps = {
  get: (id) => campaignsApi.get(id),
  create: (body) => campaignsApi.create(body),
  update: (id, body) => campaignsApi.update(id, body),
  submit: (id) => campaignsApi.action(id, 'submit'),
  preview: (body, signal) => campaignsApi.previewAudience(body, signal),
  standIn: async () => (await campaignsApi.availableProducts({ limit: 1 })).results[0]?.id ?? null,
};

/**
 * The campaign builder's state: the form across the steps, the live audience preview (debounced,
 * the latest request wins), and saving as a draft or submitting. A server refusal lands on the
 * fields of the step that shows them, and the builder opens that step.
 */
export function useCampaignBuilder(campaignId: string | null, deps: BuilderDeps = defaultDeps, debounceMs = 500) {
  const form = reactive<CampaignForm>(emptyForm());
  const step = ref<StepIndex>(0);
  const id = ref<string | null>(campaignId);
  const loaded = shallowRef<Campaign | null>(null);
  const loading = ref(campaignId !== null);
  const loadError = shallowRef<unknown>(null);
  const saving = ref(false);
  const errors = useServerErrors();

  const preview = shallowRef<AudiencePreview | null>(null);
  const previewError = shallowRef<unknown>(null);
  /** What keeps the definition from being counted (a rule still being written), in words; null when it can be. */
  const incomplete = ref<string | null>(null);
  const previewing = ref(false);
  const standIn = ref<string | null>(null);
  /** The preview counted rules about "the offered product" for a stand-in: no offer picked yet. */
  const previewUsesStandIn = computed(() => form.offers.length === 0);
  let controller: AbortController | null = null;

  async function runPreview() {
    const body = previewRequest(form, standIn.value);
    if (!body) return;
    // A rule still being written (no segment chosen yet) is said plainly instead of sent.
    const checked = AudiencePreviewRequest.safeParse(body);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      incomplete.value = `Finish ${issue.path.slice(0, -1).join('.') || 'the rules'}: ${String(issue.path[issue.path.length - 1] ?? '')} ${issue.message}`.trim();
      return;
    }
    incomplete.value = null;
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    previewing.value = true;
    try {
      const answer = await deps.preview(body, mine.signal);
      if (controller !== mine) return;
      preview.value = answer;
      previewError.value = null;
    } catch (err) {
      if (controller !== mine) return;
      previewError.value = err;
    } finally {
      if (controller === mine) previewing.value = false;
    }
  }
  const schedulePreview = debounce(() => void runPreview(), debounceMs);
  const previewKey = computed(() => JSON.stringify(previewRequest(form, standIn.value)));

  async function start() {
    if (campaignId) {
      try {
        const c = await deps.get(campaignId);
        loaded.value = c;
        Object.assign(form, formOf(c));
      } catch (err) {
        loadError.value = err;
      } finally {
        loading.value = false;
      }
    }
    if (form.offers.length === 0) standIn.value = await deps.standIn().catch(() => null);
    watch(previewKey, () => schedulePreview(), { immediate: true });
  }

  function goTo(target: StepIndex) {
    // Forward only through steps that pass the builder's own checks; backwards always.
    for (let s = step.value; s < target; s++) {
      if (!errors.check(checkStep(form, s as StepIndex), 'Please correct the highlighted fields.')) return false;
    }
    if (target <= step.value) errors.clear();
    step.value = target;
    return true;
  }

  /** Saves the draft (and submits it for approval when asked); the saved campaign, or null when refused. */
  async function save(submit: boolean): Promise<Campaign | null> {
    for (let s = 0; s < 5; s++) {
      const found = checkStep(form, s as StepIndex);
      if (!errors.check(found, 'Please correct the highlighted fields.')) {
        step.value = s as StepIndex;
        return null;
      }
    }
    saving.value = true;
    try {
      const body = toBody(form);
      let saved = id.value ? await deps.update(id.value, body) : await deps.create(body);
      id.value = saved.id;
      if (submit) saved = await deps.submit(saved.id);
      loaded.value = saved;
      errors.clear();
      return saved;
    } catch (err) {
      errors.apply(err);
      if (isApiError(err) && err.hasFieldErrors) {
        step.value = Math.min(...Object.keys(err.fieldErrors).map(stepOfField)) as StepIndex;
      }
      return null;
    } finally {
      saving.value = false;
    }
  }

  return {
    form, step, id, loaded, loading, loadError, saving, errors,
    preview, previewError, previewing, previewUsesStandIn, incomplete,
    start, goTo, save, refreshPreview: runPreview,
  };
}

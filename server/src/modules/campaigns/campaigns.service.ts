import {
  audienceSegmentNames,
  type Campaign, type CampaignAction, type CampaignActionBody, type CampaignAudience, type CampaignChannel, type CampaignCreate, type CampaignList,
  type CampaignListItem, type CampaignListQuery, type MeasuredUplift, type CampaignObjective, type CampaignPatch, type CampaignStatus, type CampaignVersionList, type LaunchState, type Product,
} from '@lyra/contracts';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { AppError } from '../../lib/errors.js';
import type { LogFn } from '../../lib/log.js';
import { MoneyError, normalizeAmount } from '../../lib/money.js';
import { toIso } from '../../lib/time.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { SYSTEM_ACTOR, type Actor } from '../auth/permissions.js';
import type { ProductsService } from '../products/products.service.js';
import type { SegmentsService } from '../segments/segments.service.js';
import type { CampaignAttentionItem } from '../../db/schema/campaigns.js';
import { newControlSalt } from './control-group.js';
import { allowedActions, EDIT_POLICY, mayApprove, nextStatus } from './lifecycle.js';
import type { CampaignRow, CampaignsRepository, NewCampaignRow, OfferWithName } from './campaigns.repository.js';

/** The whole definition a version stores and an approval puts live: every field a person edits. */
export interface CampaignDefinition {
  name: string;
  description: string;
  objective: CampaignObjective;
  owner_id: string | null;
  starts_at: string | null;
  ends_at: string | null;
  response_window_days: number;
  control_share: number;
  contact_cap: number;
  budget_amount: string | null;
  budget_currency: string | null;
  budget_contacts: number | null;
  audience: CampaignAudience;
  offers: { product_id: string; channel: CampaignChannel; message: string }[];
}

function definitionOf(row: CampaignRow, offers: OfferWithName[]): CampaignDefinition {
  return {
    name: row.name, description: row.description, objective: row.objective as CampaignObjective, owner_id: row.ownerId,
    starts_at: toIso(row.startsAt), ends_at: toIso(row.endsAt), response_window_days: row.responseWindowDays,
    control_share: Number(row.controlShare), contact_cap: row.contactCap,
    budget_amount: row.budgetAmount, budget_currency: row.budgetCurrency, budget_contacts: row.budgetContacts,
    audience: row.audience as CampaignAudience,
    offers: offers.filter((o) => o.campaignId === row.id).map((o) => ({ product_id: o.productId, channel: o.channel as CampaignChannel, message: o.message })),
  };
}

/** A patch over a definition: what was sent replaces, the rest stays. */
function patched(def: CampaignDefinition, patch: CampaignPatch): CampaignDefinition {
  const out: CampaignDefinition = { ...def, offers: [...def.offers] };
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  return out;
}

function rowValuesOf(def: CampaignDefinition): Omit<NewCampaignRow, 'salt'> {
  return {
    name: def.name, description: def.description, objective: def.objective, ownerId: def.owner_id,
    startsAt: def.starts_at, endsAt: def.ends_at, responseWindowDays: def.response_window_days,
    controlShare: String(def.control_share), contactCap: def.contact_cap,
    budgetAmount: def.budget_amount, budgetCurrency: def.budget_currency, budgetContacts: def.budget_contacts,
    audience: def.audience as Record<string, unknown>,
  };
}

const offerRows = (def: CampaignDefinition) => def.offers.map((o) => ({ productId: o.product_id, channel: o.channel, message: o.message }));

function answerShape(row: CampaignRow) {
  return {
    id: row.id, name: row.name, description: row.description, objective: row.objective as CampaignObjective, owner_id: row.ownerId,
    status: row.status as CampaignStatus, version: row.version, pending_version: row.pendingVersion,
    starts_at: toIso(row.startsAt), ends_at: toIso(row.endsAt), response_window_days: row.responseWindowDays,
    control_share: Number(row.controlShare), contact_cap: row.contactCap,
    budget_amount: row.budgetAmount, budget_currency: row.budgetCurrency, budget_contacts: row.budgetContacts,
    audience_size: row.audienceSize,
    launched_at: toIso(row.launchedAt), launch_state: row.launchState as LaunchState | null, launch_total: row.launchTotal, launch_done: row.launchDone, launch_error: row.launchError,
    submitted_by: row.submittedBy, submitted_at: toIso(row.submittedAt), approved_by: row.approvedBy, approved_at: toIso(row.approvedAt),
    paused_reason: row.pausedReason, attention: row.attention,
    allowed_actions: allowedActions(row.status as CampaignStatus),
    created_at: toIso(row.createdAt), updated_at: toIso(row.updatedAt),
  };
}

/** Audited state: the definition with the status and its approval (what before/after compare). */
const audited = (row: CampaignRow, offers: OfferWithName[]) => ({
  status: row.status, version: row.version, pending_version: row.pendingVersion, paused_reason: row.pausedReason, ...definitionOf(row, offers),
});


/** Launch states in which the launch job has work left. */
const LAUNCH_UNDER_WAY: readonly string[] = ['queued', 'snapshot', 'contacts'];

/** Campaigns a retirement pauses, and a re-price flags. */
const PAUSED_BY_RETIREMENT: readonly CampaignStatus[] = ['running'];
const FLAGGED_BY_REPRICE: readonly CampaignStatus[] = ['draft', 'pending_approval', 'scheduled', 'running', 'paused'];

export interface CampaignWrites {
  campaigns: Pick<CampaignsRepository,
    'findById' | 'offersOf' | 'insert' | 'update' | 'replaceOffers' | 'insertVersion' | 'approveVersion' | 'findVersion' | 'lastVersion' |
    'unprocessedChanges' | 'markProcessed' | 'offeringAny' | 'offerProduct'>;
  audit: Pick<AuditRepository, 'record'>;
}

export function createCampaignsService(deps: {
  campaigns: Pick<CampaignsRepository, 'list' | 'findById' | 'offersOf' | 'offerProduct' | 'userExists' | 'versions' | 'campaignsOffering'>;
  uow: UnitOfWork<CampaignWrites>;
  products: Pick<ProductsService, 'get'>;
  segments: Pick<SegmentsService, 'assertKnown'>;
  /** Measured uplift of a list page's campaigns (one grouped query). */
  uplift: { upliftByCampaign(campaignIds: string[]): Promise<Map<string, MeasuredUplift | null>> };
  log?: LogFn;
}) {
  const { campaigns, uow } = deps;

  async function productOrNull(id: string): Promise<Product | null> {
    try {
      return await deps.products.get(id);
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') return null;
      throw err;
    }
  }

  async function answer(row: CampaignRow): Promise<Campaign> {
    const offers = await campaigns.offersOf([row.id]);
    const details = await Promise.all(offers.map((o) => productOrNull(o.productId)));
    return {
      ...answerShape(row),
      audience: row.audience,
      offers: offers.map((o, i) => ({ position: o.position, product_id: o.productId, channel: o.channel as CampaignChannel, message: o.message, product: details[i] ?? null })),
    };
  }

  async function load(id: string): Promise<CampaignRow> {
    const row = await campaigns.findById(id);
    if (!row) throw AppError.notFound('Campaign');
    return row;
  }

  /**
   * Checks what only the database knows (products, users, segments) and resolves each offer to the
   * record that stands for its offer group. Field errors name the field (`offers.1.product_id`).
   */
  async function checked(def: CampaignDefinition, opts: { forSubmit?: boolean } = {}): Promise<CampaignDefinition> {
    const fields: Record<string, string[]> = {};
    const add = (f: string, m: string) => (fields[f] ??= []).push(m);
    if (def.owner_id && !(await campaigns.userExists(def.owner_id))) add('owner_id', 'no such user');
    if (def.budget_amount != null && def.budget_currency != null) {
      try {
        def = { ...def, budget_amount: normalizeAmount(def.budget_amount, def.budget_currency) };
      } catch (err) {
        if (!(err instanceof MoneyError)) throw err;
        add('budget_amount', err.message.replace(/^"[^"]*" /, ''));
      }
    }
    if (opts.forSubmit && def.offers.length === 0) add('offers', 'a campaign needs at least one offer before it is submitted');
    const seen = new Map<string, number>();
    const offers: CampaignDefinition['offers'] = [];
    for (const [i, offer] of def.offers.entries()) {
      const product = await campaigns.offerProduct(offer.product_id);
      if (!product) {
        add(`offers.${i}.product_id`, 'no such product');
        continue;
      }
      if (product.retiredAt) add(`offers.${i}.product_id`, `"${product.name}" is retired from the catalog`);
      const first = seen.get(product.masterId);
      if (first !== undefined) add(`offers.${i}.product_id`, `is the same offer as offers.${first} (one offer group)`);
      seen.set(product.masterId, i);
      offers.push({ ...offer, product_id: product.masterId });
    }
    if (Object.keys(fields).length) throw AppError.validation(fields);
    for (const { field, names } of audienceSegmentNames(def.audience)) await deps.segments.assertKnown(field, names);
    return { ...def, offers };
  }

  const illegal = (status: CampaignStatus, action: CampaignAction) => {
    const refused = nextStatus(status, action);
    if (refused.ok) throw new Error('not illegal');
    return new AppError('illegal_transition', refused.error.message, { status, action, allowed: refused.error.allowed });
  };

  async function act(actor: Actor, id: string, action: CampaignAction, body: CampaignActionBody = {}): Promise<Campaign> {
    let forSubmit: CampaignDefinition | undefined;
    if (action === 'submit') {
      // Offers retired since they were picked cannot be submitted: checked before the transaction (reads only).
      const row = await load(id);
      if (row.status === 'draft') forSubmit = await checked(definitionOf(row, await campaigns.offersOf([id])), { forSubmit: true });
    }
    const saved = await uow.transaction(async ({ campaigns, audit }) => {
      const current = await campaigns.findById(id, { forUpdate: true });
      if (!current) throw AppError.notFound('Campaign');
      const status = current.status as CampaignStatus;
      const next = nextStatus(status, action);
      if (!next.ok) throw illegal(status, action);
      const offers = await campaigns.offersOf([id]);
      const values: Partial<NewCampaignRow> = { status: next.status };
      switch (action) {
        case 'submit':
          if (forSubmit) await campaigns.replaceOffers(id, offerRows(forSubmit));
          Object.assign(values, { submittedBy: actor.id, submittedAt: new Date().toISOString(), approvedBy: null, approvedAt: null });
          break;
        case 'approve':
          if (!mayApprove(current.submittedBy, actor.id)) {
            throw new AppError('self_approval', 'Maker-checker: whoever submitted a campaign cannot approve it; another approver must', { submitted_by: current.submittedBy });
          }
          Object.assign(values, { approvedBy: actor.id, approvedAt: new Date().toISOString() });
          await campaigns.approveVersion(id, current.version, actor.id);
          break;
        case 'reject':
          Object.assign(values, { submittedBy: null, submittedAt: null });
          break;
        case 'launch':
          // A launch is a job with progress (launch/launch.service.ts), never a bare status change.
          throw new Error('launch goes through the launch service');
        case 'pause':
          values.pausedReason = body.reason?.trim() || `Paused by ${actor.email}`;
          break;
        case 'resume': {
          const retired = await retiredOffers(campaigns, offers);
          if (retired.length) {
            throw AppError.conflict(`Offer(s) ${retired.join(', ')} are retired from the catalog: replace them (a new version needing approval) before resuming`, 'conflict', { fields: { offers: ['an offer is retired'] } });
          }
          values.pausedReason = null;
          break;
        }
        case 'complete':
        case 'cancel':
          break;
      }
      const row = await campaigns.update(id, values);
      await audit.record(actor, { action, entityType: 'campaign', entityId: id, before: audited(current, offers), after: audited(row, await campaigns.offersOf([id])) });
      return row;
    });
    return answer(saved);
  }

  async function retiredOffers(repo: Pick<CampaignsRepository, 'offerProduct'>, offers: OfferWithName[]): Promise<string[]> {
    const names: string[] = [];
    for (const o of offers) {
      const p = await repo.offerProduct(o.productId);
      if (!p || p.retiredAt) names.push(`"${o.productName ?? o.productId}"`);
    }
    return names;
  }

  return {
    async list(q: CampaignListQuery): Promise<CampaignList> {
      const { count, results } = await campaigns.list(q);
      const ids = results.map((r) => r.id);
      const [offers, uplift] = await Promise.all([campaigns.offersOf(ids), deps.uplift.upliftByCampaign(ids)]);
      return {
        count,
        results: results.map((r): CampaignListItem => ({
          ...answerShape(r),
          uplift: uplift.get(r.id) ?? null,
          offers: offers.filter((o) => o.campaignId === r.id).map((o) => ({ position: o.position, product_id: o.productId, product_name: o.productName, channel: o.channel as CampaignChannel })),
        })),
      };
    },

    get: async (id: string) => answer(await load(id)),

    async create(actor: Actor, input: CampaignCreate): Promise<Campaign> {
      const def = await checked({ ...input, owner_id: input.owner_id ?? (actor.id === SYSTEM_ACTOR.id ? null : actor.id) });
      const row = await uow.transaction(async ({ campaigns, audit }) => {
        const row = await campaigns.insert({ ...rowValuesOf(def), salt: newControlSalt(), status: 'draft', version: 1, createdBy: actor.id === SYSTEM_ACTOR.id ? null : actor.id });
        await campaigns.replaceOffers(row.id, offerRows(def));
        await campaigns.insertVersion({ campaignId: row.id, version: 1, definition: { ...def }, createdBy: row.createdBy });
        await audit.record(actor, { action: 'create', entityType: 'campaign', entityId: row.id, after: audited(row, await campaigns.offersOf([row.id])) });
        return row;
      });
      return answer(row);
    },

    /**
     * Saves an edit as `EDIT_POLICY` says: a draft in place; a submitted or scheduled campaign back
     * to draft (its approval was for what the approver saw); a running or paused one as a new
     * version pending approval, while it goes on running as approved.
     */
    async update(actor: Actor, id: string, patch: CampaignPatch): Promise<Campaign> {
      const before = await load(id);
      // Successive edits of a running campaign build on the version already waiting, not the live one.
      const waiting = before.pendingVersion ? (await campaigns.versions(id)).find((v) => v.version === before.pendingVersion) : undefined;
      const base = waiting ? (waiting.definition as unknown as CampaignDefinition) : definitionOf(before, await campaigns.offersOf([id]));
      const wanted = await checked(patched(base, patch));
      const saved = await uow.transaction(async ({ campaigns, audit }) => {
        const current = await campaigns.findById(id, { forUpdate: true });
        if (!current) throw AppError.notFound('Campaign');
        const status = current.status as CampaignStatus;
        const offers = await campaigns.offersOf([id]);
        const policy = EDIT_POLICY[status];
        // Mid-launch the snapshot is being frozen from the approved definition: an edit then would
        // send it back to draft under the job's feet. Cancel, or wait for the launch to end.
        if (current.launchState !== null && LAUNCH_UNDER_WAY.includes(current.launchState)) {
          throw AppError.conflict('The campaign is being launched; edit it once the launch has ended (or cancel it)', 'conflict', { launch_state: current.launchState });
        }
        const by = actor.id === SYSTEM_ACTOR.id ? null : actor.id;
        const version = (await campaigns.lastVersion(id)) + 1;
        await campaigns.insertVersion({ campaignId: id, version, definition: { ...wanted }, createdBy: by });
        let row: CampaignRow;
        switch (policy) {
          case 'refused':
            throw new AppError('illegal_transition', `A ${status} campaign is a record and cannot be edited`, { status, action: 'edit', allowed: [] });
          case 'new_version':
            row = await campaigns.update(id, { pendingVersion: version });
            break;
          case 'in_place':
          case 'back_to_draft':
            row = await campaigns.update(id, {
              ...rowValuesOf(wanted), version, pendingVersion: null,
              ...(policy === 'back_to_draft' && { status: 'draft', submittedBy: null, submittedAt: null, approvedBy: null, approvedAt: null }),
            });
            await campaigns.replaceOffers(id, offerRows(wanted));
            break;
        }
        await audit.record(actor, {
          action: 'update', entityType: 'campaign', entityId: id, before: audited(current, offers),
          after: policy === 'new_version' ? { ...audited(current, offers), pending_version: version, pending: wanted } : audited(row, await campaigns.offersOf([id])),
        });
        return row;
      });
      return answer(saved);
    },

    act,

    /** Puts a running or paused campaign's pending version live; its author may not approve it (maker-checker). */
    async approveVersion(actor: Actor, id: string, version: number): Promise<Campaign> {
      const pending = await load(id);
      if (pending.pendingVersion !== version) {
        throw AppError.conflict(`Version ${version} of this campaign is not waiting for approval${pending.pendingVersion ? ` (version ${pending.pendingVersion} is)` : ''}`);
      }
      const versionRow = (await campaigns.versions(id)).find((v) => v.version === version);
      const def = await checked(versionRow!.definition as unknown as CampaignDefinition);
      const saved = await uow.transaction(async ({ campaigns, audit }) => {
        const current = await campaigns.findById(id, { forUpdate: true });
        if (!current) throw AppError.notFound('Campaign');
        if (current.pendingVersion !== version) throw AppError.conflict(`Version ${version} of this campaign is not waiting for approval`);
        const v = await campaigns.findVersion(id, version);
        if (!mayApprove(v?.createdBy, actor.id)) {
          throw new AppError('self_approval', 'Maker-checker: whoever wrote a version cannot approve it; another approver must', { created_by: v?.createdBy ?? null });
        }
        const offers = await campaigns.offersOf([id]);
        const row = await campaigns.update(id, { ...rowValuesOf(def), version, pendingVersion: null, approvedBy: actor.id, approvedAt: new Date().toISOString() });
        await campaigns.replaceOffers(id, offerRows(def));
        await campaigns.approveVersion(id, version, actor.id);
        await audit.record(actor, { action: 'approve', entityType: 'campaign', entityId: id, before: audited(current, offers), after: audited(row, await campaigns.offersOf([id])) });
        return row;
      });
      return answer(saved);
    },

    async versions(id: string): Promise<CampaignVersionList> {
      const row = await load(id);
      const rows = await campaigns.versions(id);
      return {
        count: rows.length,
        results: rows.map((v) => ({
          version: v.version, definition: v.definition, created_by: v.createdBy, created_at: toIso(v.createdAt), approved_by: v.approvedBy, approved_at: toIso(v.approvedAt),
          state: v.version === row.version ? 'live' : v.version === row.pendingVersion ? 'pending' : 'superseded',
        })),
      };
    },

    /** The owner has seen the flagged catalog changes: the flags go (audited). */
    async acknowledge(actor: Actor, id: string): Promise<Campaign> {
      const saved = await uow.transaction(async ({ campaigns, audit }) => {
        const current = await campaigns.findById(id, { forUpdate: true });
        if (!current) throw AppError.notFound('Campaign');
        if (current.attention.length === 0) return current;
        const row = await campaigns.update(id, { attention: [] });
        await audit.record(actor, { action: 'acknowledge', entityType: 'campaign', entityId: id, before: { attention: current.attention }, after: { attention: [] } });
        return row;
      });
      return answer(saved);
    },

    /** Campaigns that offer a product, for a refusal that names them. */
    campaignsOffering: (productId: string) => campaigns.campaignsOffering(productId),

    /**
     * Reacts to the catalog changes no campaign has seen (after each sync run, and on the minute
     * tick for retirements made elsewhere): a retired offer pauses a running campaign with the reason
     * in `paused_reason`; a re-price flags the campaign until its owner acknowledges. Batches of 200
     * changes, each in one transaction with its changes marked processed, so a change is acted on
     * once across instances (the rows are taken with SKIP LOCKED).
     */
    async reactToCatalogChanges(): Promise<{ paused: number; flagged: number; changes: number }> {
      const tally = { paused: 0, flagged: 0, changes: 0 };
      for (;;) {
        const done = await uow.transaction(async ({ campaigns, audit }) => {
          const changes = await campaigns.unprocessedChanges(200);
          if (changes.length === 0) return 0;
          const retired = changes.filter((c) => c.changeType === 'retired');
          const repriced = changes.filter((c) => c.changeType === 'price_changed');
          const pausedNow = new Set<string>();
          for (const hit of await campaigns.offeringAny([...new Set(retired.map((c) => c.productId))], PAUSED_BY_RETIREMENT)) {
            if (pausedNow.has(hit.campaign.id)) continue;
            pausedNow.add(hit.campaign.id);
            const offers = await campaigns.offersOf([hit.campaign.id]);
            const reason = `Offer "${hit.productName ?? hit.productId}" was retired from the catalog by its source system`;
            const row = await campaigns.update(hit.campaign.id, { status: 'paused', pausedReason: reason });
            await audit.record(SYSTEM_ACTOR, { action: 'pause', entityType: 'campaign', entityId: row.id, before: audited(hit.campaign, offers), after: audited(row, offers) });
            tally.paused++;
          }
          const flags = new Map<string, { row: CampaignRow; items: CampaignAttentionItem[] }>();
          const hits = await campaigns.offeringAny([...new Set(repriced.map((c) => c.productId))], FLAGGED_BY_REPRICE);
          for (const change of repriced) {
            for (const hit of hits.filter((h) => h.productId === change.productId)) {
              const entry = flags.get(hit.campaign.id) ?? { row: hit.campaign, items: [] };
              entry.items.push({ kind: 'price_changed', product_id: change.productId, before: change.before, after: change.after, at: toIso(change.createdAt) });
              flags.set(hit.campaign.id, entry);
            }
          }
          for (const [campaignId, { items }] of flags) {
            // Re-read: a retirement in the same batch may have just updated the row.
            const current = await campaigns.findById(campaignId);
            if (!current) continue;
            await campaigns.update(campaignId, { attention: [...current.attention, ...items] });
            await audit.record(SYSTEM_ACTOR, { action: 'update', entityType: 'campaign', entityId: campaignId, before: { attention: current.attention }, after: { attention: [...current.attention, ...items] } });
            tally.flagged++;
          }
          await campaigns.markProcessed(changes.map((c) => c.id));
          return changes.length;
        });
        tally.changes += done;
        if (done < 200) break;
      }
      if (tally.paused || tally.flagged) deps.log?.(`campaigns: ${tally.paused} paused for retired offers, ${tally.flagged} flagged for re-priced offers`);
      return tally;
    },
  };
}
export type CampaignsService = ReturnType<typeof createCampaignsService>;

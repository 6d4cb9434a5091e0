import {
  AudienceDefinition, CAMPAIGN_TARGET_CSV_COLUMNS, MESSAGE_PLACEHOLDERS, parseTemplate, resolvePlaceholders,
  type BillingCycle, type Campaign, type CampaignStatus, type LaunchState, type MessageOffer, type ParsedTemplate,
} from '@lyra/contracts';
import type { SQL } from 'drizzle-orm';
import type { UnitOfWork } from '../../../db/unit-of-work.js';
import type { JobOutcome, JobQueue } from '../../../jobs/job.js';
import { csvCell } from '../../../lib/csv.js';
import { AppError } from '../../../lib/errors.js';
import type { LogFn } from '../../../lib/log.js';
import type { AuditRepository } from '../../audit/audit.repository.js';
import { SYSTEM_ACTOR, type Actor } from '../../auth/permissions.js';
import { audienceMembersSql, compileAudience } from '../audience/audience.compiler.js';
import type { CampaignRow, CampaignsRepository } from '../campaigns.repository.js';
import { campaignLaunchJob } from '../campaigns.jobs.js';
import { nextStatus } from '../lifecycle.js';
import type { BudgetKey, ContactInsert, ContactRules, LaunchRepository, LedgerInsert, MemberOfferRow } from './launch.repository.js';

/** Launch states in which the job has work left (the campaign stays `scheduled` meanwhile). */
const UNDER_WAY: readonly LaunchState[] = ['queued', 'snapshot', 'contacts'];

/** Subscribers looked at per snapshot page, members per contacts page: each page is one short transaction. */
export const SNAPSHOT_PAGE = 20_000;
export const CONTACTS_PAGE = 5_000;



export interface LaunchRepos {
  campaigns: Pick<CampaignsRepository, 'findById' | 'update' | 'offersOf'>;
  launch: LaunchRepository;
  audit: Pick<AuditRepository, 'record'>;
  jobs: JobQueue;
}

interface MemberInsert {
  customerId: string;
  group: 'treated' | 'control';
  contacted: boolean;
}

interface Offer {
  position: number;
  productId: string;
  channel: string;
  template: ParsedTemplate;
  /** The offer's own placeholder values, resolved once. */
  offerValues: ReturnType<typeof resolvePlaceholders>;
  /** Whether the message reads the subscriber (else one text serves every member). */
  perSubscriber: boolean;
  constantText: string | null;
}

const progressOf = (row: CampaignRow) => ({ status: row.status, launch_state: row.launchState, launch_total: row.launchTotal, launch_done: row.launchDone, launch_error: row.launchError });

/**
 * Launch: the approved audience frozen as a snapshot with its deterministic control group, one
 * ledger contact per treated member and offer they may get, and the contact history the response
 * model learns from. A job does it in pages of subscriber ids so progress moves and the API stays
 * responsive: each page reads the audience (the preview's compiled SQL, restricted to the id range)
 * once with the offers each member may get, and writes members, contacts and history from that
 * answer. Each page is one transaction that locks the campaign row, so two workers never
 * interleave, and every write is keyed so that a page done twice adds nothing. A killed job resumes
 * after the last committed page; a failed one is marked so and launched again, giving the same groups.
 *
 * Contacts: a treated member gets the offers whose product is sellable to them now and whose risk
 * cap they are within, the first `contact_cap` of them in the campaign's order. A contacts budget
 * keeps the first `budget_contacts` contacts in budget order — a hash of (salt, subscriber), so a
 * fair spread over the audience rather than the lowest ids, and the same on every retry; treated
 * members left without a contact stay in the snapshot (the preview counted them) with no contact
 * date and no contact-history row. The money budget is not enforced here: a campaign stores no cost
 * per contact (the preview takes one to compare against it). Control members are dated by the
 * launch and have a history row naming the first offer they would have got.
 *
 * The campaign stays `scheduled` (its `launch_state` showing the phase and `launch_done` of
 * `launch_total` the progress) until the snapshot and its contacts are complete, and turns
 * `running` only then: a marketer never sees a running campaign with half an audience.
 */
export function createLaunchService(deps: {
  uow: UnitOfWork<LaunchRepos>;
  launch: Pick<LaunchRepository, 'targets'>;
  campaigns: { get(id: string): Promise<Campaign> };
  log?: LogFn;
  pages?: { snapshot?: number; contacts?: number };
}) {
  const { uow } = deps;
  const snapshotPage = deps.pages?.snapshot ?? SNAPSHOT_PAGE;
  const contactsPage = deps.pages?.contacts ?? CONTACTS_PAGE;

  async function offersFor(repos: Pick<LaunchRepos, 'campaigns' | 'launch'>, campaignId: string): Promise<Offer[]> {
    const rows = await repos.campaigns.offersOf([campaignId]);
    const products = await repos.launch.offerProducts(rows.map((o) => o.productId));
    return rows.map((o) => {
      const p = products.get(o.productId);
      const offer: MessageOffer = p ? { name: p.name, price: p.price, currency: p.currency, billing_cycle: p.billingCycle as BillingCycle, features: p.features } : {};
      const template = parseTemplate(o.message);
      const perSubscriber = template.placeholders.some((n) => MESSAGE_PLACEHOLDERS[n].source === 'subscriber');
      const offerValues = resolvePlaceholders({}, offer);
      return {
        position: o.position, productId: o.productId, channel: o.channel, template, offerValues, perSubscriber,
        constantText: perSubscriber ? null : render(template, offerValues, offerValues),
      };
    });
  }

  /** `renderMessage` split in two: the offer's values once per offer, the subscriber's once per subscriber. */
  function render(template: ParsedTemplate, offerValues: Offer['offerValues'], subscriberValues: Offer['offerValues']): string {
    return template.tokens.map((t) => (t.kind === 'text' ? t.text : (MESSAGE_PLACEHOLDERS[t.name].source === 'subscriber' ? subscriberValues : offerValues)[t.name].value)).join('');
  }

  /** A page's ledger contacts (messages rendered per subscriber) and contact-history rows. */
  function contactsOfPage(rows: readonly MemberOfferRow[], offers: readonly Offer[]): { members: MemberInsert[]; ledger: LedgerInsert[]; history: ContactInsert[] } {
    const byPosition = new Map(offers.map((o) => [o.position, o]));
    const members: MemberInsert[] = [];
    const ledger: LedgerInsert[] = [];
    const history: ContactInsert[] = [];
    let i = 0;
    while (i < rows.length) {
      const first = rows[i]!;
      let j = i;
      while (j < rows.length && rows[j]!.customerId === first.customerId) j++;
      const member = rows.slice(i, j);
      i = j;
      let subscriberValues: Offer['offerValues'] | null = null;
      let primary: Offer | null = null;
      for (const r of member) {
        const offer = r.position === null ? undefined : byPosition.get(r.position);
        if (!offer) continue;
        if (first.group === 'control') {
          // The offer a control member would have got first: what the response attribution measures them on.
          primary ??= offer;
          continue;
        }
        if (!r.contact) continue;
        primary ??= offer;
        let text = offer.constantText;
        if (text === null) {
          subscriberValues ??= resolvePlaceholders({ name: first.name, msisdn: first.msisdn }, {});
          text = render(offer.template, offer.offerValues, subscriberValues);
        }
        ledger.push({ customerId: first.customerId, productId: offer.productId, channel: offer.channel, message: text });
      }
      // Control members are measured from the launch; treated members only when a contact was made.
      const contacted = first.group === 'control' || primary !== null;
      members.push({ customerId: first.customerId, group: first.group, contacted });
      if (contacted) history.push({ customerId: first.customerId, group: first.group, productId: primary?.productId ?? null, channel: primary?.channel ?? null });
    }
    return { members, ledger, history };
  }

  type Step = 'more' | 'done' | 'stopped';

  /** Marks an under-way launch stopped or failed (unless it ended meanwhile), with the reason. */
  async function fail(campaignId: string, reason: string): Promise<void> {
    await uow.transaction(async ({ campaigns, audit }) => {
      const current = await campaigns.findById(campaignId, { forUpdate: true });
      if (!current || !UNDER_WAY.includes(current.launchState as LaunchState)) return;
      const row = await campaigns.update(campaignId, { launchState: 'failed', launchError: reason.slice(0, 2000) });
      await audit.record(SYSTEM_ACTOR, { action: 'launch', entityType: 'campaign', entityId: campaignId, before: progressOf(current), after: progressOf(row) });
    });
  }

  async function run(campaignId: string): Promise<JobOutcome> {
    const started = await uow.transaction(async (repos) => {
      const { campaigns, launch } = repos;
      const current = await campaigns.findById(campaignId, { forUpdate: true });
      if (!current || !UNDER_WAY.includes(current.launchState as LaunchState)) return null;
      if (current.status !== 'scheduled') return stopped(repos, current);
      if (current.launchState !== 'queued') return current;
      // The snapshot's time: every member's contact (or, for control, the start of its window) is dated by it.
      return campaigns.update(campaignId, {
        launchState: 'snapshot', launchTotal: await launch.countSubscribers(), launchDone: 0, launchError: null, launchedAt: current.launchedAt ?? new Date().toISOString(),
      });
    });
    if (!started) return { status: 'skipped', detail: 'no launch under way for this campaign' };
    if (started === 'stopped') return { status: 'cancelled', detail: `campaign ${campaignId}: launch stopped` };
    try {
      const parsed = AudienceDefinition.safeParse(started.audience);
      if (!parsed.success) throw new Error(`the stored audience is not a valid definition: ${parsed.error.issues.map((i) => `${['audience', ...i.path].join('.')} ${i.message}`).join('; ')}`);
      let offers: Offer[] | null = null;
      const compiled = compileAudience(parsed.data, { offerProductIds: (await offerIds(campaignId)), campaignId });
      const members = audienceMembersSql(compiled, { salt: started.salt, controlShare: Number(started.controlShare) });
      let snapshotAfter: string | null = null;
      let contactsAfter: string | null = null;
      let boundary: BudgetKey | null | undefined;

      for (;;) {
        const step: Step = await uow.transaction(async (repos) => {
          const { campaigns, launch } = repos;
          const current = await campaigns.findById(campaignId, { forUpdate: true });
          if (!current) return 'stopped';
          const state = current.launchState as LaunchState | null;
          // Another worker (a second instance given the same job) finished it.
          if (state === 'done') return 'done';
          if (!UNDER_WAY.includes(state as LaunchState)) return 'stopped';
          if (current.status !== 'scheduled') return stopped(repos, current);

          offers ??= await offersFor(repos, campaignId);
          const rulesOf = async (source: SQL | null): Promise<ContactRules> => {
            const base = { campaignId, salt: current.salt, offers: offers!, contactCap: current.contactCap };
            if (boundary === undefined) boundary = current.budgetContacts === null ? null : await launch.budgetBoundary(base, current.budgetContacts, source);
            return { ...base, budgetBoundary: boundary };
          };

          if (state === 'snapshot') {
            await launch.roomForScoreSets();
            // A cut (the best N by uplift) ranks the whole audience: it is frozen in one statement,
            // and its contacts written in pages of the snapshot after.
            if (compiled.cut) {
              await launch.freeze(campaignId, members, null);
              await toContacts(repos, current);
              return 'more';
            }
            // Otherwise a page of subscribers at a time: the audience read once, and its members,
            // their contacts and the contact history written from that answer.
            snapshotAfter = await launch.furthest(snapshotAfter, await launch.snapshotCursor(campaignId));
            const page = await launch.nextSubscriberPage(snapshotAfter, snapshotPage);
            if (!page) {
              await finish(repos, current);
              return 'done';
            }
            const range = { after: snapshotAfter, upTo: page.upTo };
            const contacts = await launch.freezePage({ ...(await rulesOf(members)), offers }, members, range, current.launchedAt!);
            // Only the members this page added come back (a page redone by a retry adds none): COPY.
            await launch.copyLedger(campaignId, contactsOfPage(contacts, offers).ledger);
            snapshotAfter = page.upTo;
            await campaigns.update(campaignId, { launchDone: Math.min(current.launchDone + page.size, current.launchTotal ?? Number.MAX_SAFE_INTEGER) });
            return 'more';
          }

          // Contacts of a frozen snapshot (a cut audience).
          contactsAfter = await launch.furthest(contactsAfter, await launch.contactsCursor(campaignId));
          const page = await launch.nextMemberPage(campaignId, contactsAfter, contactsPage);
          if (!page) {
            await finish(repos, current);
            return 'done';
          }
          const range = { after: contactsAfter, upTo: page.upTo };
          const written = contactsOfPage(await launch.memberOffers(await rulesOf(null), range), offers);
          await launch.insertLedger(campaignId, written.ledger);
          await launch.insertContacts(campaignId, current.launchedAt!, written.history);
          await launch.dateMembers(campaignId, current.launchedAt!, written.members.filter((m) => m.contacted).map((m) => m.customerId));
          contactsAfter = page.upTo;
          await campaigns.update(campaignId, { launchDone: Math.min(current.launchDone + page.size, current.launchTotal ?? Number.MAX_SAFE_INTEGER) });
          return 'more';
        });
        if (step === 'done') return { status: 'succeeded', detail: `campaign ${campaignId} launched` };
        if (step === 'stopped') return { status: 'cancelled', detail: `campaign ${campaignId}: launch stopped` };
      }
    } catch (err) {
      // The database's own words (a query wrapper's message repeats the whole statement and its parameters).
      let cause = err as Error & { cause?: unknown };
      while (cause.cause instanceof Error) cause = cause.cause as Error & { cause?: unknown };
      const message = cause.message;
      deps.log?.(`campaign launch failed`, { campaign: campaignId, error: message }, 'error');
      await fail(campaignId, message);
      return { status: 'failed', detail: message };
    }
  }

  /** The campaign was cancelled (or otherwise left `scheduled`) mid-launch: the launch ends, saying why. */
  async function stopped({ campaigns, audit }: LaunchRepos, current: CampaignRow): Promise<'stopped'> {
    const row = await campaigns.update(current.id, { launchState: 'failed', launchError: `stopped: the campaign became ${current.status} during its launch` });
    await audit.record(SYSTEM_ACTOR, { action: 'launch', entityType: 'campaign', entityId: current.id, before: progressOf(current), after: progressOf(row) });
    return 'stopped';
  }

  async function offerIds(campaignId: string): Promise<string[]> {
    return uow.transaction(async ({ campaigns }) => (await campaigns.offersOf([campaignId])).map((o) => o.productId));
  }

  async function toContacts({ campaigns, launch }: LaunchRepos, current: CampaignRow): Promise<void> {
    await campaigns.update(current.id, { launchState: 'contacts', launchTotal: await launch.snapshotSize(current.id), launchDone: 0 });
  }

  async function finish({ campaigns, launch, audit }: LaunchRepos, current: CampaignRow): Promise<void> {
    const next = nextStatus(current.status as CampaignStatus, 'launch');
    if (!next.ok) throw new Error(next.error.message);
    const size = await launch.snapshotSize(current.id);
    const row = await campaigns.update(current.id, { status: next.status, launchState: 'done', audienceSize: size, launchTotal: size, launchDone: size, launchError: null });
    await audit.record(SYSTEM_ACTOR, { action: 'launch', entityType: 'campaign', entityId: current.id, before: progressOf(current), after: { ...progressOf(row), audience_size: size, launched_at: row.launchedAt } });
    deps.log?.(`campaign launched`, { campaign: current.id, audience: size });
  }

  return {
    /**
     * Launches a scheduled campaign now: the launch is queued (with its job, in one transaction)
     * and the job does the work. A failed launch is launched again the same way; one under way is
     * not started twice (409).
     */
    async request(actor: Actor, id: string): Promise<Campaign> {
      await uow.transaction(async ({ campaigns, audit, jobs }) => {
        const current = await campaigns.findById(id, { forUpdate: true });
        if (!current) throw AppError.notFound('Campaign');
        const status = current.status as CampaignStatus;
        const next = nextStatus(status, 'launch');
        if (!next.ok) throw new AppError('illegal_transition', next.error.message, { status, action: 'launch', allowed: next.error.allowed });
        if (UNDER_WAY.includes(current.launchState as LaunchState)) {
          throw AppError.conflict(`The campaign's launch is already under way (${current.launchState}); its progress shows on the campaign`, 'conflict', { launch_state: current.launchState });
        }
        const row = await campaigns.update(id, { launchState: 'queued', launchError: null, launchTotal: null, launchDone: 0 });
        await jobs.send(campaignLaunchJob, { campaignId: id });
        await audit.record(actor, { action: 'launch', entityType: 'campaign', entityId: id, before: progressOf(current), after: progressOf(row) });
      });
      return deps.campaigns.get(id);
    },

    run,

    /**
     * The target list for an execution system outside Lyra: each treated member's contact with its
     * rendered message, in subscriber order, as CSV chunks (header first). Text a person or a
     * source system typed is formula-guarded. Exporting is not delivery: the contacts stay pending.
     */
    async *targetsCsv(id: string): AsyncGenerator<string> {
      await deps.campaigns.get(id); // 404 before the header for an unknown campaign
      yield `${CAMPAIGN_TARGET_CSV_COLUMNS.join(',')}\r\n`;
      let after: { customerId: string; productId: string } | null = null;
      for (;;) {
        const page = await deps.launch.targets(id, after, 2000);
        if (page.length === 0) return;
        let chunk = '';
        for (const r of page) {
          chunk += [
            csvCell(r.contactId), csvCell(r.customerId, true), csvCell(r.msisdn, true), csvCell(r.productId), csvCell(r.productName, true),
            csvCell(r.channel), csvCell(r.message, true), csvCell(r.state),
          ].join(',') + '\r\n';
        }
        yield chunk;
        const last = page.at(-1)!;
        after = { customerId: last.customerId, productId: last.productId };
      }
    },
  };
}
export type LaunchService = ReturnType<typeof createLaunchService>;

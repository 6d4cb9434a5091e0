import type { CampaignReport, CampaignReportQuery, CampaignRevenue, CampaignResultsState, MeasuredUplift } from '@lyra/contracts';
import type { UnitOfWork } from '../../../db/unit-of-work.js';
import { AppError } from '../../../lib/errors.js';
import type { LogFn } from '../../../lib/log.js';
import { amountFromMinorUnits, compareDecimal, normalizeAmount } from '../../../lib/money.js';
import { addDays, toIso } from '../../../lib/time.js';
import type { AuditRepository } from '../../audit/audit.repository.js';
import { SYSTEM_ACTOR } from '../../auth/permissions.js';
import type { CampaignsRepository } from '../campaigns.repository.js';
import { measureUplift, newcombeInterval, type GroupCounts } from '../uplift.js';
import type { GroupCountsRow, ResultsRepository } from './results.repository.js';

const DAY_MS = 86_400_000;
/** Launch states in which the launch job is still writing the snapshot or the contacts. */
const LAUNCH_UNDER_WAY: readonly string[] = ['queued', 'snapshot', 'contacts'];

/** a / b rounded half away from zero, b > 0. */
function divRound(a: bigint, b: bigint): bigint {
  const q = a / b;
  const r = a % b;
  if (2n * (r < 0n ? -r : r) >= b) return a < 0n ? q - 1n : q + 1n;
  return q;
}

/** Numeric text at the currency's minor units, as an integer of minor units. */
const minorOf = (amount: string, currency: string): bigint => BigInt(normalizeAmount(amount, currency).replace('.', ''));

/** A decimal string times a whole count, exactly. */
function times(decimal: string, n: number): string {
  const [intPart = '0', frac = ''] = decimal.split('.');
  const scaled = BigInt(intPart + frac) * BigInt(n);
  if (!frac) return scaled.toString();
  const s = scaled.toString().padStart(frac.length + 1, '0');
  return `${s.slice(0, -frac.length)}.${s.slice(-frac.length)}`;
}

/** Uplift with its interval from a campaign's group counts; null until both groups have members. */
export function upliftOf(treated: GroupCounts, control: GroupCounts): MeasuredUplift | null {
  if (treated.members === 0 || control.members === 0) return null;
  const ci = newcombeInterval(treated, control);
  return { estimate: ci.difference, lower: ci.lower, upper: ci.upper, treated, control };
}

function countsOf(rows: GroupCountsRow[], campaignId: string, group: 'treated' | 'control'): GroupCounts {
  const row = rows.find((r) => r.campaignId === campaignId && r.group === group);
  return { members: row?.members ?? 0, responders: row?.responders ?? 0 };
}

export interface ResultsWrites {
  results: Pick<ResultsRepository, 'attribute'>;
  audit: Pick<AuditRepository, 'record'>;
}

export function createResultsService(deps: {
  results: Pick<ResultsRepository, 'campaignsToAttribute' | 'groupCounts' | 'revenue' | 'responsesByDay' | 'lastWindowStart' | 'contactsByProduct' | 'responsesByOffer'>;
  campaigns: Pick<CampaignsRepository, 'findById' | 'offersOf'>;
  uow: UnitOfWork<ResultsWrites>;
  log?: LogFn;
  now?: () => Date;
}) {
  const { results, campaigns, uow } = deps;
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? (() => undefined);

  /** One campaign's responses, with the audit entry saying how many were found, in one transaction. */
  async function attributeCampaign(campaignId: string): Promise<{ members: number; contacts: number }> {
    return uow.transaction(async ({ results, audit }) => {
      const done = await results.attribute(campaignId);
      if (done.members || done.contacts) {
        await audit.record(SYSTEM_ACTOR, { action: 'attribute_responses', entityType: 'campaign', entityId: campaignId, after: { responders_added: done.members, contacts_marked: done.contacts } });
      }
      return done;
    });
  }

  return {
    /**
     * Attributes responses for every measured campaign (or those whose windows closed at most
     * `closedWithinDays` ago), one transaction per campaign; a campaign that fails is logged and
     * the others go on.
     */
    async attributeAll(opts: { closedWithinDays?: number } = {}): Promise<{ campaigns: number; responders: number; failed: number }> {
      let responders = 0;
      let failed = 0;
      const ids = await results.campaignsToAttribute(opts);
      for (const id of ids) {
        try {
          responders += (await attributeCampaign(id)).members;
        } catch (err) {
          failed++;
          log('campaign response attribution failed', { campaign_id: id, error: err instanceof Error ? err.message : String(err) }, 'error');
        }
      }
      return { campaigns: ids.length, responders, failed };
    },

    attributeCampaign,

    /** Measured uplift per campaign for a list page, from one grouped query. */
    async upliftByCampaign(campaignIds: string[]): Promise<Map<string, MeasuredUplift | null>> {
      const rows = await results.groupCounts(campaignIds);
      return new Map(campaignIds.map((id) => [id, upliftOf(countsOf(rows, id, 'treated'), countsOf(rows, id, 'control'))]));
    },

    async report(campaignId: string, query: CampaignReportQuery = {}): Promise<CampaignReport> {
      const campaign = await campaigns.findById(campaignId);
      if (!campaign) throw AppError.notFound('Campaign');
      const at = now();
      const launchedAt = toIso(campaign.launchedAt);
      const days = campaign.responseWindowDays;

      const [counts, revenueRows, byDay, lastStart, contactsByProduct, byOffer, offers] = await Promise.all([
        results.groupCounts([campaignId]), results.revenue(campaignId), results.responsesByDay(campaignId), results.lastWindowStart(campaignId),
        results.contactsByProduct(campaignId), results.responsesByOffer(campaignId), campaigns.offersOf([campaignId]),
      ]);
      const treated = countsOf(counts, campaignId, 'treated');
      const control = countsOf(counts, campaignId, 'control');

      const windowStart = lastStart ?? launchedAt;
      const closesAt = windowStart ? new Date(Date.parse(windowStart) + days * DAY_MS).toISOString() : null;
      // The launch job sets launched_at when it starts and launch_state 'done' when the snapshot and contacts are written.
      const state: CampaignResultsState = LAUNCH_UNDER_WAY.includes(campaign.launchState ?? '')
        ? 'launching'
        : !launchedAt || campaign.launchState !== 'done'
          ? 'not_launched'
          : closesAt && Date.parse(closesAt) <= at.getTime() ? 'closed' : 'open';

      const measured = measureUplift({ treated, control });
      const unavailable = state === 'not_launched'
        ? { reason: 'not_launched', message: 'No results until launch: the campaign has no snapshot to measure yet.' }
        : measured.unavailable;

      // Revenue per currency; per-member revenue and the incremental revenue over that currency's members.
      const currencies = [...new Set(revenueRows.map((r) => r.currency))].sort();
      const revenue: CampaignRevenue[] = currencies.map((currency) => {
        const of = (group: 'treated' | 'control') => {
          const row = revenueRows.find((r) => r.currency === currency && r.group === group);
          return { members: BigInt(row?.members ?? 0), minor: minorOf(row?.revenue ?? '0', currency) };
        };
        const t = of('treated');
        const c = of('control');
        const money = (minor: bigint) => amountFromMinorUnits(minor, currency);
        return {
          currency,
          treated: money(t.minor),
          control: money(c.minor),
          treated_per_member: t.members > 0n ? money(divRound(t.minor, t.members)) : null,
          control_per_member: c.members > 0n ? money(divRound(c.minor, c.members)) : null,
          // (T/nₜ − C/n꜀) × nₜ = T − C·nₜ/n꜀, exact to the minor unit.
          incremental: t.members > 0n && c.members > 0n ? money(t.minor - divRound(c.minor * t.members, c.members)) : null,
        };
      });

      const contacts = [...contactsByProduct.values()].reduce((a, b) => a + b, 0);
      const perContact = query.cost_per_contact ?? null;
      const total = perContact === null ? null : times(perContact, contacts);
      const checks = [
        total !== null && campaign.budgetAmount !== null ? compareDecimal(total, campaign.budgetAmount) <= 0 : null,
        campaign.budgetContacts !== null ? contacts <= campaign.budgetContacts : null,
      ].filter((x): x is boolean => x !== null);

      const offerResults = offers.map((o) => {
        const mine = byOffer.filter((r) => r.productId === o.productId);
        const sum = (group: 'treated' | 'control') => mine.filter((r) => r.group === group).reduce((n, r) => n + r.responders, 0);
        const offerCurrencies = [...new Set(mine.map((r) => r.currency))].sort();
        return {
          position: o.position, product_id: o.productId, product_name: o.productName, contacts: contactsByProduct.get(o.productId) ?? 0,
          treated_responders: sum('treated'), control_responders: sum('control'),
          revenue: offerCurrencies.map((currency) => {
            const money = (group: 'treated' | 'control') =>
              amountFromMinorUnits(mine.filter((r) => r.group === group && r.currency === currency).reduce((n, r) => n + minorOf(r.revenue, currency), 0n), currency);
            return { currency, treated: money('treated'), control: money('control') };
          }),
        };
      });

      // The chart: every UTC day from the launch day to today or the window's last day, responders so far.
      const daily: CampaignReport['daily'] = [];
      if (launchedAt && state !== 'not_launched') {
        const first = launchedAt.slice(0, 10);
        const lastInstant = Math.min(at.getTime(), closesAt ? Date.parse(closesAt) : at.getTime());
        const last = new Date(Math.max(lastInstant, Date.parse(launchedAt))).toISOString().slice(0, 10);
        let t = 0;
        let c = 0;
        for (let day = first; day <= last; day = addDays(day, 1)) {
          for (const r of byDay) {
            if (r.day !== day) continue;
            if (r.group === 'treated') t += r.responders;
            else c += r.responders;
          }
          daily.push({
            day,
            treated_responders: t, treated_rate: treated.members ? t / treated.members : null,
            control_responders: c, control_rate: control.members ? c / control.members : null,
          });
        }
      }

      return {
        campaign_id: campaignId,
        state,
        launched_at: launchedAt,
        response_window_days: days,
        window_closes_at: state === 'not_launched' ? null : closesAt,
        treated: measured.treated,
        control: measured.control,
        uplift: measured.interval && measured.uplift !== null
          ? { estimate: measured.uplift, lower: measured.interval.lower, upper: measured.interval.upper, confidence: 0.95, method: 'newcombe_hybrid_score' }
          : null,
        uplift_unavailable: unavailable,
        incremental_responders: measured.incrementalResponders,
        revenue,
        cost: {
          contacts,
          per_contact: perContact,
          total,
          currency: campaign.budgetCurrency,
          budget_amount: campaign.budgetAmount,
          budget_contacts: campaign.budgetContacts,
          budget_contacts_used: campaign.budgetContacts ? contacts / campaign.budgetContacts : null,
          within_budget: checks.length === 0 ? null : checks.every(Boolean),
        },
        offers: offerResults,
        daily,
        generated_at: at.toISOString(),
      };
    },
  };
}
export type ResultsService = ReturnType<typeof createResultsService>;

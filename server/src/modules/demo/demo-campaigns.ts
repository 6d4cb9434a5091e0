import { randomBytes } from 'node:crypto';
import { CampaignCreate, CustomerListQuery, ProductListQuery, type CampaignCreateInput, type Product, type PurchaseImportInput, type Role } from '@lyra/contracts';
import type { Container } from '../../container.js';
import { SYSTEM_ACTOR, type Actor } from '../auth/permissions.js';
import { Rng } from '../customers/synthetic.random.js';
import { createDemoCampaignsRepository } from './demo-campaigns.repository.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The running demo campaign was launched this many days before the first start, with this window. */
export const DEMO_LAUNCHED_DAYS_AGO = 9;
export const DEMO_WINDOW_DAYS = 21;
/** Purchase rates of the offers during the window, before any organic purchase in the generated history. */
const TREATED_RATE = 0.2;
const CONTROL_RATE = 0.07;

const DEMO_USERS: { email: string; name: string; role: Role }[] = [
  { email: 'marketer@lyra.local', name: 'Maya (demo marketer)', role: 'marketer' },
  { email: 'approver@lyra.local', name: 'Omar (demo approver)', role: 'campaign_approver' },
];

type Deps = Pick<Container, 'database' | 'users' | 'products' | 'campaigns' | 'campaignLaunch' | 'customersImport' | 'customers'>;

export interface DemoCampaigns {
  running: string;
  draft: string;
  /** Demo users created now, with their one-time passwords (shown once at start-up). */
  users: { email: string; role: Role; password: string }[];
}

/** The demo's marketer and approver (maker-checker needs two people); created on first use. */
async function demoUsers(deps: Deps): Promise<{ actors: Actor[]; created: DemoCampaigns['users'] }> {
  const existing = (await deps.users.list(500, 0)).results;
  const actors: Actor[] = [];
  const created: DemoCampaigns['users'] = [];
  for (const u of DEMO_USERS) {
    let user = existing.find((e) => e.email === u.email);
    if (!user) {
      const password = randomBytes(12).toString('base64url');
      user = await deps.users.create(SYSTEM_ACTOR, { ...u, password, is_active: true });
      created.push({ email: u.email, role: u.role, password });
    }
    actors.push({ id: user.id, email: user.email, name: user.name, role: u.role, requestId: null });
  }
  return { actors, created };
}

/** Sellable products of a type for a segment, one per offer group, priced: the demo's offers. */
async function offersFor(deps: Deps, type: Product['product_type'], segment: string, currency: string, n: number): Promise<Product[]> {
  const query = (extra: Record<string, unknown>) => ProductListQuery.parse({ is_available: 'true', collapse_groups: 'true', currency, ordering: 'price', limit: 100, ...extra });
  let found = (await deps.products.list(query({ product_type: type, segment }))).results;
  if (found.length < n) found = (await deps.products.list(query({ segment }))).results;
  return found.filter((p) => p.price !== null && Number(p.price) > 0).slice(0, n);
}

/**
 * First start of a demo: two example campaigns, made the way people make them. One is running
 * with results: created and submitted by the demo marketer, approved by the demo approver,
 * launched by the real launch job (dated some days back), then bought from by treated and control
 * members through the purchase import (a seeded generator: the treated buy more, so the report
 * shows a positive uplift). The other is a draft. Nothing happens when any campaign exists or
 * there are no subscribers.
 */
export async function ensureDemoCampaigns(deps: Deps, opts: { seed?: number; now?: Date } = {}): Promise<DemoCampaigns | null> {
  const repo = createDemoCampaignsRepository(deps.database.db);
  if ((await repo.campaignCount()) > 0 || !(await deps.customers.hasAny())) return null;
  const now = (opts.now ?? new Date()).getTime();
  const currency = (await deps.customers.list(CustomerListQuery.parse({ limit: 1 }))).results[0]?.currency ?? 'SAR';
  const upsell = await offersFor(deps, 'data', 'heavy_data', currency, 2);
  const roaming = await offersFor(deps, 'addon', 'travelers', currency, 1);
  if (upsell.length === 0) return null;
  const { actors, created } = await demoUsers(deps);
  const [marketer, approver] = actors as [Actor, Actor];

  const running = await deps.campaigns.create(marketer, CampaignCreate.parse({
    name: 'Heavy data users: bigger bundle',
    description: 'Upsell a larger data bundle to subscribers who used 30 GB or more a month over the last quarter. Demo campaign with results.',
    objective: 'upsell',
    response_window_days: DEMO_WINDOW_DAYS,
    control_share: 0.2,
    // Each treated subscriber may get both offers (one contact each).
    contact_cap: 2,
    budget_contacts: 5000,
    audience: { rules: [{ kind: 'segments', match: 'any', segments: ['heavy_data'] }] },
    offers: upsell.map((p, i) => ({
      product_id: p.id,
      channel: i === 0 ? 'sms' : 'email',
      message: i === 0 ? 'Hi {first_name}, get {offer_name} with {data_gb} GB for {price} {currency}. Reply YES to subscribe.' : '{first_name}, {offer_name} is yours for {price} {currency} a month.',
    })),
  } satisfies CampaignCreateInput));
  await deps.campaigns.act(marketer, running.id, 'submit');
  await deps.campaigns.act(approver, running.id, 'approve');
  await deps.campaignLaunch.request(marketer, running.id);
  await repo.dateQueuedLaunch(running.id, new Date(now - DEMO_LAUNCHED_DAYS_AGO * DAY_MS).toISOString());
  const outcome = await deps.campaignLaunch.run(running.id);
  if (outcome.status !== 'succeeded' && outcome.status !== 'skipped') throw new Error(`demo campaign launch: ${outcome.status} ${outcome.detail ?? ''}`);
  // The launch as it happened (another instance's worker may have taken the job before it was dated).
  const launchedAt = Date.parse((await deps.campaigns.get(running.id)).launched_at ?? new Date(now).toISOString());

  // Responses, through the purchase import (which attributes them): seeded, dated inside the window so far.
  const rng = new Rng(opts.seed ?? 11, 7);
  const purchases: PurchaseImportInput[] = [];
  for (const m of now - launchedAt > 3 * HOUR_MS ? await repo.members(running.id) : []) {
    if (!rng.bool(m.group === 'treated' ? TREATED_RATE : CONTROL_RATE)) continue;
    const offer = upsell[rng.int(upsell.length)]!;
    const at = launchedAt + HOUR_MS + rng.uniform(0, now - launchedAt - 2 * HOUR_MS);
    purchases.push({ id: `DEMO-${running.id.slice(0, 8)}-${m.customerId}`, customer_id: m.customerId, product_id: offer.id, purchased_at: new Date(at).toISOString(), price: offer.price!, channel: m.group === 'treated' ? 'sms' : 'app' });
  }
  if (purchases.length) await deps.customersImport.importRecords(marketer, 'purchases', purchases);

  const draft = await deps.campaigns.create(marketer, CampaignCreate.parse({
    name: 'Roaming pass before the holidays',
    description: 'Cross-sell a roaming pass to travellers before the holiday season. Draft: preview the audience, then submit it for approval.',
    objective: 'cross_sell',
    response_window_days: 14,
    control_share: 0.1,
    audience: { rules: [{ kind: 'segments', match: 'any', segments: ['travelers'] }] },
    offers: (roaming.length ? roaming : upsell.slice(0, 1)).map((p) => ({ product_id: p.id, channel: 'sms', message: 'Travelling soon, {first_name}? {offer_name} for {price} {currency}.' })),
  } satisfies CampaignCreateInput));

  return { running: running.id, draft: draft.id, users: created };
}

/**
 * `npm run bench -- campaigns [--subscribers 1000000] [--runs 20] [--launch 0] [--database-url postgres://...] [--keep]`
 *
 * Runs in a database of its own (bench-database.ts): PGlite in a temporary directory, or a new
 * database on the PostgreSQL server of `--database-url`, dropped afterwards (`--keep` leaves it).
 *
 * Audience preview over N subscribers with scores inserted directly (two score thresholds and two
 * segment rules; the data analyzed after loading, as Lyra's imports do, and the scores vacuumed, as a
 * scoring run does), beside the same count
 * written by hand as one SQL query on the same database in the same run and on the same terms (one
 * transaction with the preview's work_mem, no JIT). Both the funnel alone (the count at
 * each step) and the whole preview (funnel, groups, per-offer eligibility with a risk cap, expected
 * responders, sample, overlap, score freshness) are checked to count the hand count's audience and
 * timed against it, in rounds (see `timeInRounds`). Targets: p95 ≤ 1.5 × the hand count, and the
 * preview p95 < 2 s on PGlite (the medians printed beside). On PostgreSQL, as in Lyra's server, the
 * preview and the funnel split the subscribers in two slices evaluated at once (PREVIEW_SLICES), as
 * PostgreSQL's parallel query splits the hand count's scan between its workers.
 *
 * Then a launch (`--launch 0` skips it): the audience "active, value band low or medium" (about half
 * the subscribers: 500,000 at a million) frozen by the launch job as it runs in Lyra (snapshot in
 * pages with the hash control group, ledger contacts for two offers with a risk cap and a message
 * rendered per subscriber, the contact history), beside a bulk insert of the very same rows
 * (`insert ... select` of the launch's members, ledger and history rows with none of the logic):
 * into Lyra's own tables for a copy of the campaign (the constraints every write there pays), and
 * into tables made `like` them without foreign keys. Target: launch ≤ 2 × the bulk insert.
 */
import { AudienceDefinition, type AudiencePreview } from '@lyra/contracts';
import { sql } from 'drizzle-orm';
import { rowsOf, runMigrations, type Database } from '@lyra/server/db/client';
import { createAudiencePreview, PREVIEW_SLICES } from '@lyra/server/modules/campaigns/audience/audience-preview';
import { createContainer } from '@lyra/server/container';
import { createMlRepository } from '@lyra/server/modules/ml/ml.repository';
import { benchDatabase, loadAverage } from './bench-database.js';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)]!;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

interface Timed {
  p95: number;
  median: number;
  last: unknown;
}

/**
 * Each of `fns` timed `runs` times, in rounds (one call of each per round, after one warm-up
 * round): on a shared machine a burst of load then falls on every one of them alike, not on
 * whichever happened to be measured during it.
 */
async function timeInRounds(fns: readonly (() => Promise<unknown>)[], runs: number): Promise<Timed[]> {
  const ms = fns.map(() => [] as number[]);
  const last: unknown[] = [];
  for (const fn of fns) await fn(); // warm the caches
  for (let i = 0; i < runs; i++) {
    for (const [j, fn] of fns.entries()) {
      const start = performance.now();
      last[j] = await fn();
      ms[j]!.push(performance.now() - start);
    }
  }
  return ms.map((xs, j) => ({ p95: p95(xs), median: median(xs), last: last[j] }));
}

/** A model version marked active and one succeeded scoring run of it, by plain inserts (no training, no scoring). */
export async function insertScoringRun(database: Database, model: string): Promise<{ versionId: string; runId: string }> {
  const q = (text: string, values: unknown[] = []) => database.executeSql(text, values);
  const versionId = String((await q(`insert into ml_model_versions (model_name, version, status, is_active, algorithm, hyper_parameters, seed, progress, created_by, finished_at)
    values ($1, coalesce((select max(version) from ml_model_versions where model_name = $1), 0) + 1, 'ready', not exists (select 1 from ml_model_versions where model_name = $1 and is_active),
      'gbdt', '{}', 1, '{"stage":"done","iteration":0,"total":0}', 'bench', now() - interval '1 day') returning id`, [model])).rows[0]!.id);
  const runId = String((await q(`insert into ml_scoring_runs (model_name, model_version_id, version, status, requested_by, finished_at)
    select $1, id, version, 'succeeded', 'bench', now() from ml_model_versions where id = $2 returning id`, [model, versionId])).rows[0]!.id);
  return { versionId, runId };
}

/** Default-risk scores for 90% of the subscribers, a hash of each id: the risk side of the audience without a trained model. */
export async function insertRiskScores(database: Database): Promise<string> {
  const { versionId, runId } = await insertScoringRun(database, 'payment_default_risk');
  await database.executeSql(`insert into ml_scores (customer_id, model_name, model_version_id, version, product_id, score, scored_at, run_id)
    select c.id, 'payment_default_risk', $2, v.version, null, ((hashtext(c.id || ':risk') & 2147483647) % 10000) / 10000.0, now(), $1
    from customers c, ml_model_versions v where v.id = $2 and (hashtext(c.id || ':risk-share') & 2147483647) % 10 < 9`, [runId, versionId]);
  // What a scoring run does once it has written its scores (VACUUM: index-only score sets).
  await createMlRepository(database.db).refreshScoreStatistics();
  return runId;
}

/** Subscribers, two offered products and two scoring runs, all by set-based inserts. */
async function seed(database: Database, n: number): Promise<{ offer: string; propensityRun: string; riskRun: string }> {
  const q = (text: string, values: unknown[] = []) => database.executeSql(text, values);
  await q(`insert into customers (id, msisdn, name, status, segments, value_band, customer_value, currency, plan_type, activation_date, region)
    select 'B' || lpad(i::text, 8, '0'), '9665' || lpad(i::text, 8, '0'), 'Subscriber ' || i,
      case when i % 31 = 0 then 'suspended' else 'active' end,
      string_to_array((array['youth', 'mass', 'youth,students', 'business', 'families,mass', 'high_value', ''])[1 + (hashint4(i) & 2147483647) % 7], ','),
      (array['low','medium','high','vip'])[1 + (hashint4(i + 7) & 2147483647) % 4], ((hashint4(i + 3) & 2147483647) % 50000 / 100.0)::numeric, 'SAR',
      case when i % 3 = 0 then 'postpaid' else 'prepaid' end, date '2020-01-01' + (i % 2000), 'Riyadh'
    from generate_series(1, $1::int) i`, [n]);
  const products = await q(`insert into products (external_system, external_product_id, name, product_type, price, currency)
    values ('manual', 'BENCH-A', 'Bench data 10GB', 'data', 49, 'SAR'), ('manual', 'BENCH-B', 'Bench device', 'device', 999, 'SAR') returning id`);
  const offer = String(products.rows[0]!.id);
  const { versionId: pv, runId: propensityRun } = await insertScoringRun(database, 'propensity_to_buy');
  // Propensity rows for a subscriber's top products only: 70% have one for the offer.
  await q(`insert into ml_scores (customer_id, model_name, model_version_id, version, product_id, score, scored_at, run_id)
    select 'B' || lpad(i::text, 8, '0'), 'propensity_to_buy', $2, 1, $3::uuid, ((hashint4(i + 11) & 2147483647) % 10000) / 10000.0, now(), $1
    from generate_series(1, $4::int) i where (hashint4(i + 13) & 2147483647) % 10 < 7`, [propensityRun, pv, offer, n]);
  const riskRun = await insertRiskScores(database);
  await q('analyze');
  return { offer, propensityRun, riskRun };
}

/** The campaigns benchmark's audience, offered `offer`. */
export const BENCH_AUDIENCE = AudienceDefinition.parse({
  rules: [
    { kind: 'segments', match: 'any', segments: ['youth', 'mass'] },
    { kind: 'segments', match: 'none', segments: ['business'] },
    { kind: 'propensity', min: 0.4 },
    { kind: 'default_risk', max: 0.5 },
  ],
  exclusions: { do_not_contact: false },
});

export interface PreviewFigures {
  audience: number;
  handP95: number;
  compiledP95: number;
  previewP95: number;
}

/**
 * The audience preview of BENCH_AUDIENCE beside the same count written by hand (one SQL query) on
 * the same database, `runs` times each; prints the p95 lines (prefix `label`) and returns them.
 */
export async function benchAudiencePreview(
  database: Database,
  opts: { offer: string; propensityRun: string; riskRun: string; runs: number; label?: string },
): Promise<PreviewFigures> {
  const { offer, propensityRun, riskRun, runs } = opts;
  const label = opts.label ?? 'campaigns';
  const audience = BENCH_AUDIENCE;
  // On the preview's terms (one transaction, the same work_mem and no JIT: see the audience
  // repository's roomForScoreSets), so the ratio compares the statements, not the settings.
  const hand = () => database.db.transaction(async (tx) => {
    await tx.execute(sql`set local work_mem = '128MB'`);
    await tx.execute(sql`set local jit = off`);
    return Number(rowsOf<{ n: number }>(await tx.execute(sql`select count(*)::int as n from customers c
      where c.status = 'active' and c.segments && array['youth','mass'] and not (c.segments && array['business'])
        and c.id in (select customer_id from ml_scores where run_id = ${propensityRun}::uuid and product_id = ${offer}::uuid and score >= 0.4)
        and c.id in (select customer_id from ml_scores where run_id = ${riskRun}::uuid and score <= 0.5)`))[0]!.n);
  });
  const preview = createAudiencePreview(database.db, database.helpers ? { slicing: { db: database.helpers, slices: PREVIEW_SLICES } } : {});
  const offers = [{ product_id: offer, max_default_risk: 0.4 }];

  const [h, c, p] = await timeInRounds([hand, () => preview.funnel({ audience, offers }), () => preview.preview({ audience, offers, controlShare: 0.1 })], runs);
  const handCount = h!.last as number;
  const funnel = c!.last as number[];
  const whole = p!.last as AudiencePreview;
  // Both count the same final audience: the funnel's last step, and the preview's treated + control.
  if (funnel.at(-1) !== handCount || whole.size !== handCount) throw new Error(`the funnel (${funnel.at(-1)}) or the preview (${whole.size}) differs from the hand count ${handCount}`);
  const where = database.kind === 'pglite' ? 'PGlite' : 'PostgreSQL';
  const figures = (t: Timed) => `p95 ${t.p95.toFixed(0)} ms = ${(t.p95 / h!.p95).toFixed(2)} x hand (target <= 1.5 x); median ${t.median.toFixed(0)} ms = ${(t.median / h!.median).toFixed(2)} x`;
  console.log(`${label}: audience of ${handCount.toLocaleString('en')} (funnel ${funnel.map((x) => x.toLocaleString('en')).join(' > ')}), ${runs} rounds (hand, funnel, preview) on ${where}, load average ${loadAverage()}:`);
  console.log(`  hand-written count (one query)  p95 ${h!.p95.toFixed(0)} ms; median ${h!.median.toFixed(0)} ms`);
  console.log(`  funnel alone                    ${figures(c!)}`);
  console.log(`  whole preview                   ${figures(p!)}${database.kind === 'pglite' ? `; p95 < 2000 ms on PGlite: ${p!.p95 < 2000 ? 'met' : 'missed'}` : ''}`);
  console.log(`    (funnel, groups, per-offer eligibility with the risk cap, expected responders, sample of ${whole.sample.length}, overlap, score freshness)`);
  return { audience: handCount, handP95: h!.p95, compiledP95: c!.p95, previewP95: p!.p95 };
}

export async function run(args: string[]): Promise<void> {
  const n = Number(arg(args, 'subscribers') ?? 1_000_000);
  const runs = Number(arg(args, 'runs') ?? 20);
  const databaseUrl = arg(args, 'database-url');
  const { database, dispose } = await benchDatabase(databaseUrl, { prefix: 'lyra-bench-campaigns', keep: args.includes('--keep') });
  try {
    await runMigrations(database);
    const started = performance.now();
    const { offer, propensityRun, riskRun } = await seed(database, n);
    console.log(`campaigns: ${n.toLocaleString('en')} subscribers with scores loaded in ${((performance.now() - started) / 1000).toFixed(1)} s (${databaseUrl ? 'PostgreSQL' : 'PGlite'})`);

    await benchAudiencePreview(database, { offer, propensityRun, riskRun, runs });
    if (arg(args, 'launch') !== '0') await benchLaunch(database);
  } finally {
    await dispose();
  }
}

/** The launch of a scheduled campaign by the launch job's handler, beside a bulk insert of the rows it wrote. */
export async function benchLaunch(database: Database): Promise<void> {
  const q = (text: string, values: unknown[] = []) => database.executeSql(text, values);
  const products = await q(`select id from products where external_product_id in ('BENCH-A', 'BENCH-B') order by external_product_id`);
  const [a, b] = products.rows.map((r) => String(r.id));
  await q(`update products set max_default_risk = 0.4 where id = $1`, [b]);
  const audience = AudienceDefinition.parse({ rules: [{ kind: 'value_band', bands: ['low', 'medium'] }], exclusions: { do_not_contact: false } });
  const campaign = String((await q(`insert into campaigns (name, objective, status, control_share, contact_cap, salt, audience, launch_state)
    values ('Bench launch', 'upsell', 'scheduled', 0.1, 2, 'bench-salt', $1::jsonb, 'queued') returning id`, [JSON.stringify(audience)])).rows[0]!.id);
  await q(`insert into campaign_offers (campaign_id, position, product_id, channel, message) values
    ($1, 1, $2, 'sms', 'Hi {first_name}, {offer_name}: {data_gb} GB for {price} {currency}'), ($1, 2, $3, 'email', 'Own a {offer_name} for {price} {currency} a month')`, [campaign, a, b]);

  const container = createContainer(database, { sessionTtlHours: 1 });
  const started = performance.now();
  const outcome = await container.campaignLaunch.run(campaign);
  const launchMs = performance.now() - started;
  if (outcome.status !== 'succeeded') throw new Error(`launch ${outcome.status}: ${outcome.detail ?? ''}`);
  const counts = (await q(`select (select count(*) from campaign_members where campaign_id = $1)::int as members,
      (select count(*) from campaign_members where campaign_id = $1 and "group" = 'control')::int as control,
      (select count(*) from campaign_contacts_ledger where campaign_id = $1)::int as ledger,
      (select count(*) from campaign_contacts where campaign_id = $1::text)::int as history`, [campaign])).rows[0]!;

  // The same rows by plain set-based inserts, no launch logic: into tables made `like` Lyra's (same
  // indexes and defaults, no foreign keys), and into Lyra's own tables for a copy of the campaign
  // (every constraint the launch's writes also pay). One statement each: one transaction on any connection.
  for (const t of ['campaign_members', 'campaign_contacts_ledger', 'campaign_contacts']) await q(`create table bench_${t} (like ${t} including defaults including indexes)`);
  const bulk = async (into: (t: string) => string, target: string) => {
    const s = performance.now();
    await q(`with m as (insert into ${into('campaign_members')} (campaign_id, customer_id, "group", contacted_at)
          select $2::uuid, customer_id, "group", contacted_at from campaign_members where campaign_id = $1 returning 1),
        l as (insert into ${into('campaign_contacts_ledger')} (campaign_id, customer_id, product_id, channel, rendered_message)
          select $2::uuid, customer_id, product_id, channel, rendered_message from campaign_contacts_ledger where campaign_id = $1 returning 1),
        c as (insert into ${into('campaign_contacts')} (id, campaign_id, customer_id, product_id, "group", contacted_at, channel)
          select $2::text || ':' || customer_id, $2::text, customer_id, product_id, "group", contacted_at, channel from campaign_contacts where campaign_id = $1::text returning 1)
      select (select count(*) from m) + (select count(*) from l) + (select count(*) from c) as n`, [campaign, target]);
    return performance.now() - s;
  };
  const plainMs = await bulk((t) => `bench_${t}`, campaign);
  const copy = String((await q(`insert into campaigns (name, objective, status, control_share, contact_cap, salt, audience)
    select name || ' (bulk copy)', objective, 'running', control_share, contact_cap, salt, audience from campaigns where id = $1 returning id`, [campaign])).rows[0]!.id);
  const bulkMs = await bulk((t) => t, copy);
  const n = (k: string) => Number(counts[k]).toLocaleString('en');
  console.log(`campaigns: launch of an audience of ${n('members')} (control ${n('control')}), ${n('ledger')} ledger contacts, ${n('history')} contact-history rows:`);
  console.log(`  bulk insert of the same rows, plain tables (no foreign keys)  ${plainMs.toFixed(0)} ms`);
  console.log(`  bulk insert of the same rows, Lyra's tables (all constraints) ${bulkMs.toFixed(0)} ms`);
  console.log(`  launch (job, in pages)  ${launchMs.toFixed(0)} ms  = ${(launchMs / bulkMs).toFixed(2)} x the bulk insert into Lyra's tables (target <= 2 x), ${(launchMs / plainMs).toFixed(2)} x into plain tables`);
}

/**
 * `npm run bench -- campaigns [--subscribers 1000000] [--runs 10] [--database-url postgres://...]`
 *
 * Audience preview over N subscribers with scores inserted directly (two score thresholds and two
 * segment rules), beside the same count written by hand as one SQL query on the same database in
 * the same run: the compiled count alone (the funnel's statement) and the whole preview (funnel,
 * groups, per-offer eligibility, expected responders, sample, score freshness). Targets: compiled
 * count ≤ 1.5 × the hand count; whole preview p95 < 2 s on PGlite.
 *
 * Then a launch (`--launch 0` skips it): the audience "active, value band low or medium" (about half
 * the subscribers: 500,000 at a million) frozen by the launch job as it runs in Lyra (snapshot in
 * pages with the hash control group, ledger contacts for two offers with a risk cap and a message
 * rendered per subscriber, the contact history), beside a bulk insert of the very same rows
 * (`insert ... select` of the launch's members, ledger and history rows with none of the logic):
 * into Lyra's own tables for a copy of the campaign (the constraints every write there pays), and
 * into tables made `like` them without foreign keys. Target: launch ≤ 2 × the bulk insert.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AudienceDefinition } from '@lyra/contracts';
import { openDatabase, runMigrations, type Database } from '@lyra/server/db/client';
import { createAudiencePreview } from '@lyra/server/modules/campaigns/audience/audience-preview';
import { compileAudience } from '@lyra/server/modules/campaigns/audience/audience.compiler';
import { createAudienceRepository } from '@lyra/server/modules/campaigns/audience/audience.repository';
import { createContainer } from '@lyra/server/container';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)]!;

async function time(fn: () => Promise<unknown>, runs: number): Promise<{ p95: number; last: unknown }> {
  const ms: number[] = [];
  let last: unknown;
  await fn(); // warm the caches
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    last = await fn();
    ms.push(performance.now() - start);
  }
  return { p95: p95(ms), last };
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
  const version = async (model: string) => String((await q(`insert into ml_model_versions (model_name, version, status, is_active, algorithm, hyper_parameters, seed, progress, created_by, finished_at)
    values ($1, 1, 'ready', true, 'gbdt', '{}', 1, '{"stage":"done","iteration":0,"total":0}', 'bench', now() - interval '1 day') returning id`, [model])).rows[0]!.id);
  const run = async (model: string, versionId: string) => String((await q(`insert into ml_scoring_runs (model_name, model_version_id, version, status, requested_by, finished_at)
    values ($1, $2, 1, 'succeeded', 'bench', now()) returning id`, [model, versionId])).rows[0]!.id);
  const pv = await version('propensity_to_buy');
  const rv = await version('payment_default_risk');
  const [propensityRun, riskRun] = [await run('propensity_to_buy', pv), await run('payment_default_risk', rv)];
  // Propensity rows for a subscriber's top products only: 70% have one for the offer.
  await q(`insert into ml_scores (customer_id, model_name, model_version_id, version, product_id, score, scored_at, run_id)
    select 'B' || lpad(i::text, 8, '0'), 'propensity_to_buy', $2, 1, $3::uuid, ((hashint4(i + 11) & 2147483647) % 10000) / 10000.0, now(), $1
    from generate_series(1, $4::int) i where (hashint4(i + 13) & 2147483647) % 10 < 7`, [propensityRun, pv, offer, n]);
  await q(`insert into ml_scores (customer_id, model_name, model_version_id, version, product_id, score, scored_at, run_id)
    select 'B' || lpad(i::text, 8, '0'), 'payment_default_risk', $2, 1, null, ((hashint4(i + 17) & 2147483647) % 10000) / 10000.0, now(), $1
    from generate_series(1, $3::int) i where (hashint4(i + 19) & 2147483647) % 10 < 9`, [riskRun, rv, n]);
  await q('analyze');
  return { offer, propensityRun, riskRun };
}

export async function run(args: string[]): Promise<void> {
  const n = Number(arg(args, 'subscribers') ?? 1_000_000);
  const runs = Number(arg(args, 'runs') ?? 10);
  const databaseUrl = arg(args, 'database-url');
  const dir = databaseUrl ? null : mkdtempSync(path.join(tmpdir(), 'lyra-bench-campaigns-'));
  const database = await openDatabase({ databaseUrl, dataDir: dir });
  try {
    await runMigrations(database);
    const started = performance.now();
    const { offer, propensityRun, riskRun } = await seed(database, n);
    console.log(`campaigns: ${n.toLocaleString('en')} subscribers with scores loaded in ${((performance.now() - started) / 1000).toFixed(1)} s (${databaseUrl ? 'PostgreSQL' : 'PGlite'})`);

    const audience = AudienceDefinition.parse({
      rules: [
        { kind: 'segments', match: 'any', segments: ['youth', 'mass'] },
        { kind: 'segments', match: 'none', segments: ['business'] },
        { kind: 'propensity', min: 0.4 },
        { kind: 'default_risk', max: 0.5 },
      ],
      exclusions: { do_not_contact: false },
    });
    const hand = () => database.executeSql(`select count(*)::int as n from customers c
      where c.status = 'active' and c.segments && array['youth','mass'] and not (c.segments && array['business'])
        and c.id in (select customer_id from ml_scores where run_id = $1 and product_id = $3 and score >= 0.4)
        and c.id in (select customer_id from ml_scores where run_id = $2 and score <= 0.5)`, [propensityRun, riskRun, offer]);
    const repo = createAudienceRepository(database.db);
    const compiled = compileAudience(audience, { offerProductIds: [offer] });
    const preview = createAudiencePreview(database.db);

    const h = await time(hand, runs);
    const c = await time(() => repo.funnel(compiled.steps), runs);
    const p = await time(() => preview.preview({ audience, offers: [{ product_id: offer, max_default_risk: 0.4 }], controlShare: 0.1 }), runs);
    const handCount = Number((h.last as { rows: { n: number }[] }).rows[0]!.n);
    const funnel = c.last as number[];
    if (funnel.at(-1) !== handCount) throw new Error(`compiled count ${funnel.at(-1)} differs from the hand count ${handCount}`);
    console.log(`campaigns: audience of ${handCount.toLocaleString('en')} (funnel ${funnel.map((x) => x.toLocaleString('en')).join(' > ')}), ${runs} runs each, p95:`);
    console.log(`  hand-written count      ${h.p95.toFixed(0)} ms`);
    console.log(`  compiled count (funnel) ${c.p95.toFixed(0)} ms  = ${(c.p95 / h.p95).toFixed(2)} x hand (target <= 1.5 x)`);
    console.log(`  whole preview           ${p.p95.toFixed(0)} ms  = ${(p.p95 / h.p95).toFixed(2)} x hand (target p95 < 2000 ms on PGlite)`);
    if (arg(args, 'launch') !== '0') await benchLaunch(database);
  } finally {
    await database.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** The launch of a scheduled campaign by the launch job's handler, beside a bulk insert of the rows it wrote. */
async function benchLaunch(database: Database): Promise<void> {
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

import { and, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { rowsOf, type DbOrTx } from '../../../db/client.js';
import { campaignMembers, campaigns, customers, mlScores, products } from '../../../db/schema/index.js';
import { latestActiveScoringRun, productColumnsOf, productColumnValuesOf, productColumnValuesSql, productSellableTo, scoreFreshness, scoreWithin, subscriberScore, type ProductColumnValues, type ScoreTest } from '../../audience/audience.sql.js';
import { assignGroupSql, controlDigestSql, digestInControlSql } from '../control-group.js';
import { audienceMembersOfPassedSql, type AudienceLeaf, type AudienceStep, type CompiledAudience } from './audience.compiler.js';

/**
 * How many steps a subscriber passes before the first it fails: `case when <step 0> then (case when
 * <step 1> then ... else 1 end) else 0 end`. A CASE evaluates a branch only when its test holds, so
 * a step is evaluated only for the rows that passed the ones before it, as an AND chain would: a
 * subscriber outside the segment never probes the score sets. A step that is null (unknown) fails,
 * as in a WHERE. Nested rather than `when not coalesce(<step>, false) then i ...`: one test per step
 * and row, no NOT and COALESCE around it (2 % of a preview at a million subscribers).
 * Read it through a fence (`offset 0`, a materialized CTE): pulled up into each count's filter, the
 * planner would evaluate the chain once per step (4 x slower at 100,000 subscribers). `known`: a
 * step the scan already applied (its rows all pass it), not tested again.
 */
function passedStepsSql(steps: readonly AudienceStep[], known?: number): SQL {
  return steps.reduceRight<SQL>((passedRest, s, i) => (i === known ? passedRest : sql`case when ${s.where} then ${passedRest} else ${sql.raw(String(i))} end`),
    sql.raw(String(steps.length)));
}

/** `n<i>`: the rows of `alias` that passed more than i steps, i.e. remain after step i, for each i from `from`. */
function funnelCounts(steps: readonly AudienceStep[], alias = 'f', from = 0): SQL[] {
  return steps.flatMap((_, i) => (i < from ? [] : [sql`count(*) filter (where ${sql.identifier(alias)}.passed > ${sql.raw(String(i))})::int as ${sql.identifier(`n${i}`)}`]));
}

/**
 * The funnel's scan of customers, fenced (alias `f`: `columns` and `passed`, see `passedStepsSql`),
 * and the funnel's counts over it (`n0`...). When the first rule is indexed (a segment rule), the
 * scan reads only the subscribers it selects, through the index, as a hand-written query would: one
 * who fails it passes no later step, so every count after it is the same over these rows. The base
 * count (active subscribers), the only one over everybody, is then a count of its own (the step's
 * kept `count` when it has one).
 */
function funnelScan(steps: readonly AudienceStep[], columns: readonly SQL[], slice?: IdSlice): { scan: SQL; counts: SQL[] } {
  const rows = sql.join([...columns, sql`${passedStepsSql(steps, steps[1]?.indexed ? 1 : undefined)} as passed`], sql`, `);
  const inSlice = slice === undefined ? undefined : sliceTest(slice)(customers.id);
  const where = (...conditions: (SQL | undefined)[]) => {
    const all = and(...conditions);
    return all === undefined ? sql`` : sql`where ${all}`;
  };
  if (steps.length < 2 || !steps[1]!.indexed) return { scan: sql`(select ${rows} from ${customers} ${where(inSlice)} offset 0) f`, counts: funnelCounts(steps) };
  // The base counted apart: its kept count (over every subscriber) in the first slice only.
  const kept = steps[0]!.count;
  const base = kept === undefined ? sql`(select count(*)::int from ${customers} ${where(steps[0]!.where, inSlice)})` : slice === undefined || slice.first ? kept : sql`0`;
  return {
    scan: sql`(select ${rows} from ${customers} ${where(steps[1]!.where, inSlice)} offset 0) f`,
    counts: [sql`${base} as n0`, ...funnelCounts(steps, 'f', 1)],
  };
}

/**
 * One slice of the subscribers by id: `from` <= id < `to` (null: unbounded). A preview over many
 * subscribers is evaluated in slices on several connections at once (see the preview service), each
 * slice's figures then added up. `first`: the slice that carries the counts kept over everybody.
 */
export interface IdSlice {
  from: string | null;
  to: string | null;
  first: boolean;
}

/** The condition that an id column is in the slice. */
function sliceTest(slice: IdSlice): (id: SQLWrapper) => SQL {
  return (id) => and(slice.from === null ? undefined : sql`${id} >= ${slice.from}::text`, slice.to === null ? undefined : sql`${id} < ${slice.to}::text`) ?? sql`true`;
}

/** The slices between `bounds` (ascending ids): the first from nothing up to the first bound, the last from the last bound on. */
export function idSlices(bounds: readonly string[]): IdSlice[] {
  return [null, ...bounds].map((from, i) => ({ from, to: bounds[i] ?? null, first: i === 0 }));
}

/**
 * The figures of the slices of one audience added up: what the whole audience would answer, but for
 * the sample, which is every slice's own (null when any slice had none: see SAMPLE_TIERS) for the
 * caller to choose from again, and sums of scores added in another order (equal up to rounding).
 */
export function mergeSliceFigures(parts: readonly { counts: number[]; figures: MemberFigures }[]): { counts: number[]; figures: MemberFigures } {
  const [head, ...rest] = parts;
  if (!head) throw new Error('no slice to merge');
  const add = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : a + b);
  return rest.reduce((acc, { counts, figures: f }) => ({
    counts: acc.counts.map((n, i) => n + counts[i]!),
    figures: {
      size: acc.figures.size + f.size,
      treated: acc.figures.treated + f.treated,
      control: acc.figures.control + f.control,
      offers: acc.figures.offers.map((o, j) => {
        const p = f.offers[j]!;
        return { sellable: o.sellable + p.sellable, sellableTreated: o.sellableTreated + p.sellableTreated, over: o.over + p.over, overTreated: o.overTreated + p.overTreated };
      }),
      expected: {
        responders: add(acc.figures.expected.responders, f.expected.responders),
        incremental: add(acc.figures.expected.incremental, f.expected.incremental),
        withUplift: acc.figures.expected.withUplift + f.expected.withUplift,
        scored: acc.figures.expected.scored + f.expected.scored,
      },
      sample: acc.figures.sample === null || f.sample === null ? null : [...acc.figures.sample, ...f.sample],
      overlap: acc.figures.overlap.map((n, i) => n + f.overlap[i]!),
    },
  }), head);
}

/** `expr` of the funnel scan's rows (`funnelScan`) that passed every step, gathered into one array named `name`. */
function gatheredOfMembers(steps: readonly AudienceStep[], expr: SQL, name: string): SQL {
  return sql`array_agg(${expr}) filter (where f.passed = ${sql.raw(String(steps.length))}) as ${sql.identifier(name)}`;
}

/** What the preview counts over its members besides their number. */
export interface MemberFiguresOptions {
  salt: string;
  controlShare: number;
  /** Per offer: the product's availability columns (`offeredProducts`) and its risk cap (null: none). */
  offers: readonly { product: ProductColumnValues; cap: number | null }[];
  /** A bound every member's default risk keeps (`CompiledAudience.defaultRiskAtMost`), or null. */
  riskAtMost: number | null;
  /** The running campaigns to count the overlap with. */
  campaigns: readonly string[];
  /** Whether campaign_response has a run to read the expected responders from. */
  withResponse: boolean;
  /** How many members the sample shows. */
  sampleSize: number;
}

export interface MemberFigures {
  size: number;
  treated: number;
  control: number;
  /** Per offer: members it is sellable to, the treated among them, and those of each over its risk cap. */
  offers: { sellable: number; sellableTreated: number; over: number; overTreated: number }[];
  /** Sums of the treated members' latest active campaign_response scores and uplifts (null without any). */
  expected: { responders: number | null; incremental: number | null; withUplift: number; scored: number };
  /** The members with the lowest sample spread, at most `sampleSize` (fewer only when the audience is); null when no tier holds them (`SAMPLE_TIERS`). */
  sample: string[] | null;
  /** Per running campaign (in `campaigns` order): how many members are in its snapshot. */
  overlap: number[];
}

/**
 * A member's sample order, from its control digest (`controlDigestSql`): the low 33 bits of its
 * place's 53 (bits 43..11 of the digest's first 8 bytes), over 2^33, exact in float8. Independent of
 * the group, which the top bits decide, and no second hash per member.
 */
function sampleSpreadSql(digest: SQL): SQL {
  const byte = (i: number) => sql`get_byte(${digest}, ${sql.raw(String(i))})`;
  return sql`(((${byte(2)} & 15) * 536870912::float8 + ${byte(3)} * 2097152::float8 + ${byte(4)} * 8192::float8
    + ${byte(5)} * 32::float8 + (${byte(6)} >> 3)) / 8589934592::float8)`;
}

/**
 * The sample comes from the members with the lowest spread, gathered (unordered) in tiers: spread
 * below 2^-7, below 2^-2. A tier with at least as many members as the sample holds its lowest ones,
 * so only the smallest such tier is sorted, by each of its members' spread from a digest computed
 * again (a few hundred members of an audience of 100,000) rather than sorting every member or every
 * tier. Only an audience too small for either (under ~80 members) reads its sample again (`sampleIds`).
 */
const SAMPLE_TIERS = [7, 2] as const;

/**
 * The first `n` ids of the smallest tier (unordered id arrays, smallest first) holding at least
 * `wanted` of them, in sample order; null when none does.
 */
function firstOfTierSql(tiers: readonly SQL[], wanted: SQL, n: number, salt: string): SQL {
  const chosen = sql`case ${sql.join(tiers.map((t) => sql`when cardinality(${t}) >= ${wanted} then ${t}`), sql` `)} end`;
  // Each member's digest computed once (the fence keeps the spread's five reads of it from each hashing again).
  const digests = sql`select u.id, ${controlDigestSql(salt, sql`u.id`)} as digest from unnest(${chosen}) as u(id) offset 0`;
  return sql`(select (array_agg(t.id order by ${sampleSpreadSql(sql`t.digest`)}, t.id))[1:${n}::int] from (${digests}) t)`;
}

/**
 * Spread below 2^-j (j <= 12), from two bytes of the digest: the top j bits of the spread's 33 are
 * the top j of the 12 bits in (byte 2 & 15, byte 3).
 */
function spreadBelowSql(digest: SQL, j: number): SQL {
  return sql`((get_byte(${digest}, 2) & 15) * 256 + get_byte(${digest}, 3) < ${sql.raw(String(2 ** (12 - j)))})`;
}

/**
 * One aggregate over `rows`, the members (`id` and whatever `member` reads): group sizes, per-offer
 * availability and risk caps, expected responders, sample tiers and overlap. What each member needs
 * is computed once, in one fenced layer (`offset 0`): its control digest (`member.digest`), whether
 * each offer is sellable to it (`member.sellable`: the one availability rule, against the product's
 * own columns read before), whether its default risk is over each cap, and its campaign_response
 * score and uplift (a look-up by the (run, customer) index).
 */
function memberFiguresSql(rows: SQL, o: MemberFiguresOptions, member: { digest: SQL; sellable(offer: number): SQL; over(offer: number): SQL }): SQL {
  const facts = o.offers.map((_, j) => sql`, ${member.sellable(j)} as ${sql.identifier(`sellable${j}`)}, ${member.over(j)} as ${sql.identifier(`over${j}`)}`);
  const response = !o.withResponse ? sql`` : sql`, (select array[max(s.score), max(s.uplift)]::float8[] from ${mlScores} s
    where s.run_id = ${latestActiveScoringRun('campaign_response')} and s.customer_id = r.id) as response`;
  const layer = sql`select r.id, ${member.digest} as digest ${sql.join(facts, sql``)} ${response} from (${rows}) r offset 0`;

  const control = digestInControlSql(sql`m.digest`, o.controlShare);
  const treated = sql`not ${control}`;
  const columns: SQL[] = [
    sql`count(*)::int as size`, sql`count(*) filter (where ${control})::int as control`,
    ...o.offers.flatMap((_, j) => {
      const [sellable, over] = [sql.identifier(`sellable${j}`), sql.identifier(`over${j}`)];
      return [
        sql`count(*) filter (where m.${sellable})::int as ${sql.identifier(`s${j}`)}`,
        sql`count(*) filter (where m.${sellable} and ${treated})::int as ${sql.identifier(`st${j}`)}`,
        sql`count(*) filter (where m.${sellable} and m.${over})::int as ${sql.identifier(`o${j}`)}`,
        sql`count(*) filter (where m.${sellable} and m.${over} and ${treated})::int as ${sql.identifier(`ot${j}`)}`,
      ];
    }),
    // No campaign_response run: nothing to add up.
    ...(o.withResponse
      ? [sql`sum(m.response[1]) filter (where ${treated}) as responders`, sql`sum(m.response[2]) filter (where ${treated}) as incremental`,
        sql`count(m.response[2]) filter (where ${treated})::int as with_uplift`, sql`count(m.response[1]) filter (where ${treated})::int as scored`]
      : [sql`null::float8 as responders`, sql`null::float8 as incremental`, sql`0 as with_uplift`, sql`0 as scored`]),
    // The sample's members, from the tier that serves (not thousands of ids to send).
    sql`${firstOfTierSql(SAMPLE_TIERS.map((j) => sql`array_agg(m.id) filter (where ${spreadBelowSql(sql`m.digest`, j)})`),
      // count(m.id), not count(*): inside the sub-select that would count its own rows.
      sql`least(${o.sampleSize}::int, count(m.id))`, o.sampleSize, o.salt)} as sample`,
    ...o.campaigns.map((k, i) => sql`count(*) filter (where exists (select 1 from ${campaignMembers} cm
      where cm.campaign_id = ${k}::uuid and cm.customer_id = m.id))::int as ${sql.identifier(`k${i}`)}`),
  ];
  return sql`select ${sql.join(columns, sql`, `)} from (${layer}) m`;
}

/**
 * Whether member `r` is over offer j's risk cap, or null when the cap excludes nobody. A default-risk
 * run stores one row per subscriber, without a product: those over the cap are one range of the
 * (run, product, score) index, up to the bound the members already keep (none at all when the cap
 * is at or above it).
 */
function overCapTest(o: MemberFiguresOptions, j: number): ScoreTest | null {
  const cap = o.offers[j]!.cap;
  if (cap === null || (o.riskAtMost !== null && cap >= o.riskAtMost)) return null;
  return scoreWithin('payment_default_risk', cap, o.riskAtMost, { product: null, subscriber: sql`r.id` });
}

/** The subscriber columns the offers' availability reads, as the funnel's scan carries them. */
const SUBSCRIBER_COLUMNS = [sql`${customers.id} as id`, sql`${customers.currency} as currency`, sql`${customers.segments} as segments`, sql`${customers.customerValue} as customer_value`];

/** Those columns of the relation `alias`, as the availability rule reads a subscriber. */
const subscriberOf = (alias: string) => {
  const column = (name: string) => sql`${sql.identifier(alias)}.${sql.identifier(name)}`;
  return { id: column('id'), currency: column('currency'), segments: column('segments'), customerValue: column('customer_value') };
};

/** The members `evaluateInto` keeps for the rest of its transaction. */
const PREVIEW_MEMBERS = sql`select id, currency, segments, customer_value, digest from audience_preview_members`;

function readFigures(row: Record<string, unknown>, o: MemberFiguresOptions): MemberFigures {
  const n = (key: string) => Number(row[key]);
  const maybe = (key: string) => (row[key] === null || row[key] === undefined ? null : Number(row[key]));
  const size = n('size');
  return {
    size,
    control: n('control'),
    treated: size - n('control'),
    offers: o.offers.map((_, j) => ({ sellable: n(`s${j}`), sellableTreated: n(`st${j}`), over: n(`o${j}`), overTreated: n(`ot${j}`) })),
    expected: { responders: maybe('responders'), incremental: maybe('incremental'), withUplift: n('with_uplift'), scored: n('scored') },
    sample: (row.sample as string[] | null) ?? null,
    overlap: o.campaigns.map((_, i) => n(`k${i}`)),
  };
}

/**
 * A score step is tested by probes when the subscribers expected to reach it are fewer than the
 * scores expected to pass it over this: measured at a million subscribers (PostgreSQL 15), hashing
 * a set of 450,000 ids cost as much as about 75,000 probes; below that many, probing saved up to a
 * third of the funnel's scan (4,000 subscribers reaching it). Kept well below the break-even, so an
 * estimate off by some way still does not pick the dearer side.
 */
const PROBE_WHEN_REACHING_BELOW = 1 / 8;

/**
 * The preview's reads: each one statement over the audience it evaluated (`members`, see `evaluate`).
 * `probeWhenReachingBelow`: see PROBE_WHEN_REACHING_BELOW (tests set 0, never, or Infinity, always).
 */
export function createAudienceRepository(db: DbOrTx, opts: { probeWhenReachingBelow?: number } = {}) {
  const probeBelow = opts.probeWhenReachingBelow ?? PROBE_WHEN_REACHING_BELOW;
  const one = async <T>(query: SQL): Promise<T> => rowsOf<T>(await db.execute(query))[0]!;

  /** The planner's estimate of how many rows `query` returns (nothing is run). */
  const estimatedRows = async (query: SQL): Promise<number> => {
    const plan = (await one<Record<string, unknown>>(sql`explain (format json) ${query}`))['QUERY PLAN'];
    const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as [{ Plan: { 'Plan Rows': number } }];
    return parsed[0].Plan['Plan Rows'];
  };

  /** The planner's estimate of the subscribers passing every one of `steps`. */
  const estimatedPassing = (steps: readonly AudienceStep[]): Promise<number> =>
    estimatedRows(sql`select 1 from ${customers} where ${sql.join(steps.map((t) => sql`(${t.where})`), sql` and `)}`);

  /** Whether `count` subscribers tested against `test` should probe it rather than hash the scores passing it. */
  const probes = async (count: () => Promise<number>, test: ScoreTest): Promise<boolean> => {
    if (probeBelow <= 0) return false;
    if (probeBelow === Infinity) return true;
    return (await count()) < (await estimatedRows(test.set)) * probeBelow;
  };

  /**
   * The steps as the funnel's scan tests them. A score step is a hashed set of every score that
   * passes it, built before the scan, unless few subscribers are expected to reach it (the steps
   * before it, as the planner estimates them): then each of those is looked up in the run's index
   * instead (`ScoreTest.probe`). The same subscribers pass either way; a narrow audience at a
   * million subscribers no longer hashes 450,000 default-risk scores for 5,000 subscribers.
   */
  const funnelSteps = async (steps: readonly AudienceStep[], slice?: IdSlice): Promise<AudienceStep[]> => {
    const tested: AudienceStep[] = [];
    for (const step of steps) {
      const score = step.score;
      if (score === undefined) tested.push(step);
      else if (tested.length > 0 && (await probes(() => estimatedPassing(tested), score))) tested.push({ ...step, where: score.probe });
      // A slice's hashed set holds the slice's scores only.
      else tested.push(slice === undefined ? step : { ...step, where: score.whereWithin(sliceTest(slice)) });
    }
    return tested;
  };

  /**
   * Per offer, how a member (`r.id`) is tested against its risk cap: as the funnel's score steps, by
   * a probe per member when the members (as estimated from `steps`, at most `limit`) are few beside
   * the scores in the cap's range, else by hashing those scores (`false`: the cap excludes nobody).
   */
  const overCapTests = async (steps: readonly AudienceStep[], o: MemberFiguresOptions, limit?: number, slice?: IdSlice): Promise<SQL[]> => {
    let members: number | undefined;
    const count = async () => (members ??= Math.min(limit ?? Infinity, await estimatedPassing(steps)));
    const tests: SQL[] = [];
    for (let j = 0; j < o.offers.length; j++) {
      const test = overCapTest(o, j);
      tests.push(test === null ? sql`false` : (await probes(count, test)) ? test.probe : slice === undefined ? test.where : test.whereWithin(sliceTest(slice)));
    }
    return tests;
  };

  return {
    /**
     * How many subscribers remain after each step (steps AND-ed in order), in one scan of customers
     * (see `passedStepsSql`).
     */
    async funnel(steps: readonly AudienceStep[], slice?: IdSlice): Promise<number[]> {
      if (steps.length === 0) return [];
      const { scan, counts } = funnelScan(await funnelSteps(steps, slice), [], slice);
      const row = await one<Record<string, number>>(sql`select ${sql.join(counts, sql`, `)} from ${scan}`);
      return steps.map((_, i) => Number(row[`n${i}`]));
    },

    /**
     * For this transaction only: room for the score sets the rules probe as hashed subplans. A set
     * the planner expects to outgrow work_mem is not hashed but scanned again for every subscriber
     * (a plain subplan: quadratic). At the default 4 MB that cliff lies between 200,000 and
     * 1,000,000 subscribers (a propensity set of 420,000 ids); 128 MB holds sets of a few million
     * ids. (No JIT either, as in every session of Lyra's: see openPostgres. It compiled each of
     * these one-off statements for 0.1 to 0.6 s at a million rows and never earned it back.)
     */
    async roomForScoreSets(): Promise<void> {
      await db.execute(sql`set local work_mem = '128MB'`);
    },

    /**
     * The funnel and everything the preview counts over its members, in one scan of customers (see
     * `funnelScan`): each subscriber's passed steps computed once, the funnel counted, and those who
     * passed every step gathered (their ids, and whether each offer is sellable to them) into arrays
     * the members' figures (`memberFiguresSql`) then read. So the figures' work and their many
     * aggregates are done for the members only, not for every row of the scan. For an audience
     * without a cut (a cut ranks the whole audience first: see `evaluateInto`).
     */
    async evaluateAll(compiled: CompiledAudience, opts: MemberFiguresOptions, slice?: IdSlice): Promise<{ counts: number[]; figures: MemberFigures }> {
      const steps = await funnelSteps(compiled.steps, slice);
      const overs = await overCapTests(steps, opts, undefined, slice);
      const { scan, counts } = funnelScan(steps, SUBSCRIBER_COLUMNS, slice);
      const gather = (expr: SQL, name: string) => gatheredOfMembers(compiled.steps, expr, name);
      const sellable = opts.offers.map((_, j) => `sellable${j}`);
      const gathered = sql`select ${sql.join([...counts, gather(sql`f.id`, 'ids'),
        ...opts.offers.map((o, j) => gather(productSellableTo(subscriberOf('f'), productColumnsOf(o.product)), sellable[j]!))], sql`, `)} from ${scan}`;
      const members = sql`select * from unnest(${sql.join(['ids', ...sellable].map((a) => sql`x.${sql.identifier(a)}`), sql`, `)})
        as u(${sql.join(['id', ...sellable].map((c) => sql.identifier(c)), sql`, `)})`;
      const figures = memberFiguresSql(members, opts, { digest: controlDigestSql(opts.salt, sql`r.id`), sellable: (j) => sql`r.${sql.identifier(sellable[j]!)}`, over: (j) => overs[j]! });
      const row = await one<Record<string, unknown>>(sql`select ${sql.join(compiled.steps.map((_, i) => sql`x.${sql.identifier(`n${i}`)}`), sql`, `)}, m.*
        from (${gathered}) x cross join lateral (${figures}) m`);
      return { counts: compiled.steps.map((_, i) => Number(row[`n${i}`])), figures: readFigures(row, opts) };
    },

    /**
     * The funnel and the members of an audience with a cut (call inside a transaction): the rules
     * evaluated once, counted for the funnel, and the rows that passed them all cut and kept in a
     * temporary table dropped at commit (one aggregate gathers them into arrays: no million-row
     * intermediate result is written and read back). Answers the counts and the members' figures.
     */
    async evaluateInto(compiled: CompiledAudience, opts: MemberFiguresOptions): Promise<{ counts: number[]; figures: MemberFigures }> {
      await db.execute(sql`create temp table audience_preview_members (id text not null, digest bytea not null,
        currency text not null, segments text[] not null, customer_value numeric not null) on commit drop`);
      const chosen = audienceMembersOfPassedSql(compiled, opts, sql`passed_rows`, ['currency', 'segments', 'customer_value']);
      // Segments travel as their text form (an array of arrays must be rectangular), read back as text[].
      const all = sql.raw(String(compiled.steps.length));
      const gathered = (expr: SQL, name: string) => gatheredOfMembers(compiled.steps, expr, name);
      const steps = await funnelSteps(compiled.steps);
      const overs = await overCapTests(steps, opts, compiled.cut?.top);
      const { scan, counts } = funnelScan(steps, SUBSCRIBER_COLUMNS);
      const row = await one<Record<string, number>>(sql`with c as materialized (select ${sql.join(counts, sql`, `)},
            ${gathered(sql`f.id`, 'ids')}, ${gathered(sql`f.currency`, 'currencies')}, ${gathered(sql`f.segments::text`, 'segment_lists')},
            ${gathered(sql`f.customer_value`, 'customer_values')}
          from ${scan}),
          passed_rows as (select u.id, ${all} as passed, u.currency, u.segment_list::text[] as segments, u.customer_value
            from c, unnest(c.ids, c.currencies, c.segment_lists, c.customer_values) as u(id, currency, segment_list, customer_value)),
          kept as (insert into audience_preview_members (id, digest, currency, segments, customer_value)
            select m.id, m.digest, m.currency, m.segments, m.customer_value from (${chosen}) m)
        select ${sql.join(compiled.steps.map((_, i) => sql.identifier(`n${i}`)), sql`, `)} from c`);
      const sellableTo = (j: number) => productSellableTo(subscriberOf('r'), productColumnsOf(opts.offers[j]!.product));
      const figures = readFigures(await one<Record<string, unknown>>(memberFiguresSql(PREVIEW_MEMBERS, opts, { digest: sql`r.digest`, sellable: sellableTo, over: (j) => overs[j]! })), opts);
      return { counts: compiled.steps.map((_, i) => Number(row[`n${i}`])), figures };
    },

    /**
     * Ids that cut the subscribers into `slices` slices of about equal size (ascending), from the
     * planner's histogram of customer ids; null when the table is estimated under `minRows` or has
     * no histogram yet (never analysed): then nothing is split.
     */
    async sliceBounds(slices: number, minRows: number): Promise<string[] | null> {
      if (slices < 2) return null;
      const row = rowsOf<{ estimated: number; bounds: string[] | null }>(await db.execute(sql`select c.reltuples::float8 as estimated, s.histogram_bounds::text::text[] as bounds
        from pg_class c left join pg_stats s on s.schemaname = current_schema() and s.tablename = 'customers' and s.attname = 'id'
        where c.oid = to_regclass('customers')`))[0];
      if (!row || Number(row.estimated) < minRows || !row.bounds || row.bounds.length < slices + 1) return null;
      const bounds = row.bounds;
      const cut = [...new Set(Array.from({ length: slices - 1 }, (_, i) => bounds[Math.round(((i + 1) * (bounds.length - 1)) / slices)]!))];
      return cut.length === slices - 1 ? cut : null;
    },

    /** This transaction's snapshot, for others to read the same data (`importSnapshot`); it lasts while this transaction does. */
    async exportSnapshot(): Promise<string> {
      return String((await one<{ id: string }>(sql`select pg_export_snapshot() as id`)).id);
    },

    /** Read what the exporting transaction reads (the first statement of a repeatable-read transaction). */
    async importSnapshot(id: string): Promise<void> {
      // SET takes no parameter: the id is checked to be the server's own form before it is spelt out.
      if (!/^[0-9A-F]+-[0-9A-F]+-[0-9]+$/i.test(id)) throw new Error(`not a snapshot id: ${id}`);
      await db.execute(sql.raw(`set transaction snapshot '${id}'`));
    },

    /** These subscriber ids with their control digests, as `sampleIds` reads members. */
    idsWithDigests(ids: readonly string[], salt: string): SQL {
      return sql`select u.id, ${controlDigestSql(salt, sql`u.id`)} as digest from unnest(${sql.param([...ids])}::text[]) as u(id)`;
    },

    /** The offered products that exist, each with its maximum default risk (null: none) and its availability columns. */
    async offeredProducts(ids: readonly string[]): Promise<Map<string, { cap: number | null; columns: ProductColumnValues }>> {
      if (ids.length === 0) return new Map();
      const rows = rowsOf<Record<string, unknown>>(await db.execute(sql`select ${products.id} as id, ${products.maxDefaultRisk}::float8 as cap, ${productColumnValuesSql}
        from ${products} where ${products.id} = any(${sql.param([...ids])}::uuid[])`));
      return new Map(rows.map((r) => [String(r.id), { cap: r.cap === null ? null : Number(r.cap), columns: productColumnValuesOf(r) }]));
    },

    /** Every running campaign but `except`, by name. */
    async runningCampaigns(except: string | undefined): Promise<{ id: string; name: string }[]> {
      const rows = rowsOf<{ id: string; name: string }>(await db.execute(sql`select k.id, k.name from ${campaigns} k
        where k.status = 'running' ${except === undefined ? sql`` : sql`and k.id <> ${except}::uuid`} order by k.name, k.id`));
      return rows.map((r) => ({ id: String(r.id), name: r.name }));
    },

    /**
     * The `limit` members with the lowest sample spread (see `sampleSpreadSql`), read again by
     * evaluating the audience (`rows`: the members with their digest): for an audience too small for
     * the sample tiers `evaluateAll` gathers.
     */
    async sampleIds(rows: SQL, limit: number): Promise<string[]> {
      const spread = sampleSpreadSql(sql`m.digest`);
      const found = rowsOf<{ id: string }>(await db.execute(sql`select m.id from (${rows}) m where m.digest is not null order by ${spread}, m.id limit ${limit}::int`));
      return found.map((r) => String(r.id));
    },

    /** The members `evaluateInto` kept, as `memberFiguresSql` and `sampleIds` read them. */
    previewMembers(): SQL {
      return PREVIEW_MEMBERS;
    },

    /** The members' rows of a preview (of one slice of subscribers), as `sampleIds` reads them: the audience evaluated again, with digests. */
    membersOf(compiled: CompiledAudience, salt: string, slice?: IdSlice): SQL {
      return sql`select ${customers.id} as id, ${controlDigestSql(salt, customers.id)} as digest from ${customers}
        where ${compiled.where} ${slice === undefined ? sql`` : sql`and ${sliceTest(slice)(customers.id)}`}`;
    },

    /**
     * These members (ids, in this order) with their scores and which leaf rules hold for them, and
     * the group of each (the same hash as launch).
     */
    async sample(ids: readonly string[], opts: { salt: string; controlShare: number; offerProductIds: readonly string[]; leaves: readonly AudienceLeaf[] }) {
      if (ids.length === 0) return [];
      const propensity = opts.offerProductIds.map((p, i) => sql`${subscriberScore('propensity_to_buy', { product: p })} as ${sql.identifier(`p${i}`)}`);
      // A leaf that is a whole step holds for every member (each passed every step): only the
      // leaves inside groups are evaluated, for these few rows.
      const leaves = opts.leaves.flatMap((l, i) => (l.wholeStep ? [] : [sql`coalesce(${l.where}, false) as ${sql.identifier(`l${i}`)}`]));
      const rows = rowsOf<Record<string, unknown>>(await db.execute(sql`select ${customers.id} as customer_id,
          ${assignGroupSql(opts.salt, customers.id, opts.controlShare)} as "group",
          ${subscriberScore('payment_default_risk')} as default_risk,
          ${subscriberScore('campaign_response')} as response,
          ${subscriberScore('campaign_response', {}, 'uplift')} as uplift
          ${sql.join([...propensity, ...leaves].map((c) => sql`, ${c}`), sql``)}
        from unnest(${sql.param([...ids])}::text[]) with ordinality as m(id, n)
        join ${customers} on ${customers.id} = m.id
        order by m.n`));
      const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
      return rows.map((r) => ({
        customerId: String(r.customer_id),
        group: r.group as 'control' | 'treated',
        defaultRisk: num(r.default_risk),
        response: num(r.response),
        uplift: num(r.uplift),
        propensity: Object.fromEntries(opts.offerProductIds.flatMap((p, i) => {
          const v = num(r[`p${i}`]);
          return v === null ? [] : [[p, v]];
        })) as Record<string, number>,
        holds: opts.leaves.map((l, i) => l.wholeStep || r[`l${i}`] === true),
      }));
    },

    /** Whether model M has an active version, a succeeded run of it, and whether that run predates the newest training. */
    async freshness(model: string): Promise<{ hasVersion: boolean; hasRun: boolean; stale: boolean }> {
      const row = await one<{ has_version: boolean; has_run: boolean; stale: boolean | null }>(sql`select f.active_version_id is not null as has_version,
        f.run_id is not null as has_run, f.run_finished_at < f.trained_at as stale from (${scoreFreshness(model)}) f`);
      return { hasVersion: row.has_version, hasRun: row.has_run, stale: row.stale === true };
    },

  };
}
export type AudienceRepository = ReturnType<typeof createAudienceRepository>;

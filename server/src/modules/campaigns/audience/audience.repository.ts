import { sql, type SQL } from 'drizzle-orm';
import { rowsOf, type DbOrTx } from '../../../db/client.js';
import { campaignMembers, campaigns, customers, mlScores, products } from '../../../db/schema/index.js';
import { latestActiveScoringRun, productSellableTo, scoreFreshness, subscriberScore } from '../../audience/audience.sql.js';
import { audienceMembersOfPassedSql, type AudienceLeaf, type AudienceStep, type CompiledAudience } from './audience.compiler.js';

/**
 * How many steps a subscriber passes before the first it fails. A CASE tests its branches in order
 * and stops at the first that holds, so a step is evaluated only for the rows that passed the ones
 * before it, as an AND chain would: a subscriber outside the segment never probes the score sets.
 * Read it through a fence (`offset 0`, a materialized CTE): pulled up into each count's filter, the
 * planner would evaluate the chain once per step (4 x slower at 100,000 subscribers).
 */
function passedStepsSql(steps: readonly AudienceStep[]): SQL {
  return sql`case ${sql.join(steps.map((s, i) => sql`when not coalesce(${s.where}, false) then ${sql.raw(String(i))}`), sql` `)} else ${sql.raw(String(steps.length))} end`;
}

/** `n<i>`: the rows of `f` that passed more than i steps, i.e. remain after step i. */
function funnelCounts(steps: readonly AudienceStep[]): SQL {
  return sql.join(steps.map((_, i) => sql`count(*) filter (where f.passed > ${sql.raw(String(i))})::int as ${sql.identifier(`n${i}`)}`), sql`, `);
}

/** The preview's reads: each one statement over the audience it evaluated (`members`, see `evaluate`). */
export function createAudienceRepository(db: DbOrTx) {
  const one = async <T>(query: SQL): Promise<T> => rowsOf<T>(await db.execute(query))[0]!;

  return {
    /**
     * How many subscribers remain after each step (steps AND-ed in order), in one scan of customers
     * (see `passedStepsSql`).
     */
    async funnel(steps: readonly AudienceStep[]): Promise<number[]> {
      if (steps.length === 0) return [];
      const row = await one<Record<string, number>>(sql`select ${funnelCounts(steps)} from (select ${passedStepsSql(steps)} as passed from ${customers} offset 0) f`);
      return steps.map((_, i) => Number(row[`n${i}`]));
    },

    /**
     * For this transaction only: room for the score sets the rules probe as hashed subplans, and no
     * JIT. A set the planner expects to outgrow work_mem is not hashed but scanned again for every
     * subscriber (a plain subplan: quadratic). At the default 4 MB that cliff lies between 200,000
     * and 1,000,000 subscribers (a propensity set of 420,000 ids); 128 MB holds sets of a few
     * million ids. JIT compiles each of these one-off statements for 0.1 to 0.6 s at a million
     * rows and never earns it back within one preview.
     */
    async roomForScoreSets(): Promise<void> {
      await db.execute(sql`set local work_mem = '128MB'`);
      await db.execute(sql`set local jit = off`);
    },

    /**
     * The funnel and the audience from one evaluation of the rules (call inside a transaction): each
     * subscriber's passed steps are computed once, counted for the funnel and, for those who passed
     * them all, cut and assigned a group into a temporary table dropped at commit, which the
     * preview's later reads share. Answers the counts and the subquery that reads the members.
     */
    async evaluate(compiled: CompiledAudience, opts: { salt: string; controlShare: number }): Promise<{ counts: number[]; members: SQL }> {
      await db.execute(sql`create temp table audience_preview_members (customer_id text not null, "group" text not null, place float8 not null,
        currency text not null, segments text[] not null, customer_value numeric not null) on commit drop`);
      const chosen = audienceMembersOfPassedSql(compiled, opts, sql`passed_rows`, ['currency', 'segments', 'customer_value']);
      // One aggregate over the scan counts the funnel and gathers the rows that passed every step,
      // with the subscriber columns the offers' availability reads (so no later read joins back to
      // a million customers), into arrays: no million-row intermediate result is written and read
      // back, as a CTE shared by the counts and the members would be. Segments travel as their text
      // form (an array of arrays must be rectangular) and are read back as text[].
      const all = sql.raw(String(compiled.steps.length));
      const gathered = (expr: SQL, name: string) => sql`array_agg(${expr}) filter (where f.passed = ${all}) as ${sql.identifier(name)}`;
      const row = await one<Record<string, number>>(sql`with c as materialized (select ${funnelCounts(compiled.steps)},
            ${gathered(sql`f.id`, 'ids')}, ${gathered(sql`f.currency`, 'currencies')}, ${gathered(sql`f.segments::text`, 'segment_lists')},
            ${gathered(sql`f.customer_value`, 'customer_values')}
          from (select ${customers.id} as id, ${customers.currency} as currency, ${customers.segments} as segments, ${customers.customerValue} as customer_value,
            ${passedStepsSql(compiled.steps)} as passed from ${customers} offset 0) f),
          passed_rows as (select u.id, ${all} as passed, u.currency, u.segment_list::text[] as segments, u.customer_value
            from c, unnest(c.ids, c.currencies, c.segment_lists, c.customer_values) as u(id, currency, segment_list, customer_value)),
          kept as (insert into audience_preview_members (customer_id, "group", place, currency, segments, customer_value)
            select m.customer_id, m."group", m.place, m.currency, m.segments, m.customer_value from (${chosen}) m)
        select ${sql.join(compiled.steps.map((_, i) => sql.identifier(`n${i}`)), sql`, `)} from c`);
      return {
        counts: compiled.steps.map((_, i) => Number(row[`n${i}`])),
        members: sql`select customer_id, "group", place, currency, segments, customer_value from audience_preview_members`,
      };
    },

    async groups(members: SQL): Promise<{ size: number; treated: number; control: number }> {
      const row = await one<{ size: number; treated: number; control: number }>(sql`select count(*)::int as size,
        count(*) filter (where m."group" = 'treated')::int as treated, count(*) filter (where m."group" = 'control')::int as control
        from (${members}) m`);
      return { size: Number(row.size), treated: Number(row.treated), control: Number(row.control) };
    },

    /**
     * Per offer: members the product is sellable to now (the one availability rule) and within the
     * risk cap, the treated among them, and those left out by the cap (latest active default risk above it).
     */
    async offer(members: SQL, productId: string, maxDefaultRisk: number | undefined): Promise<{ eligible: number; eligibleTreated: number; overRisk: number }> {
      // The offer's own cap, else the product's (device instalments, postpaid upgrades carry one).
      const cap = maxDefaultRisk ?? await one<{ cap: number | null }>(sql`select ${products.maxDefaultRisk}::float8 as cap from ${products} where ${products.id} = ${productId}::uuid`)
        .then((r) => (r.cap === null ? null : Number(r.cap)));
      // The members carry the subscriber columns the availability rule reads (see `evaluate`).
      const member = { id: sql`m.customer_id`, segments: sql`m.segments`, customerValue: sql`m.customer_value`, currency: sql`m.currency` };
      const sellable = sql`(${members}) m join ${products} on ${products.id} = ${productId}::uuid and ${productSellableTo(member)}`;
      const counts = await one<{ sellable: number; sellable_treated: number }>(sql`select count(*)::int as sellable,
        count(*) filter (where m."group" = 'treated')::int as sellable_treated from ${sellable}`);
      // Those over the cap: the risk rows above it joined to the members the product is sellable to,
      // which the planner hashes (the smaller side; no CTE between them, which would hide its size).
      // Probing a set of every subscriber above the cap instead hashes half a million ids to answer
      // for a hundred thousand members (a million subscribers). Distinct: a member counts once even
      // if the run stored two rows for them.
      const overCap = cap === null ? { over: 0, over_treated: 0 } : await one<{ over: number; over_treated: number }>(sql`select
          count(distinct m.customer_id)::int as over, (count(distinct m.customer_id) filter (where m."group" = 'treated'))::int as over_treated
        from ${sellable} join ${mlScores} s on s.customer_id = m.customer_id
        where s.run_id = ${latestActiveScoringRun('payment_default_risk')} and s.score > ${cap}::float8`);
      const over = Number(overCap.over);
      return { eligible: Number(counts.sellable) - over, eligibleTreated: Number(counts.sellable_treated) - Number(overCap.over_treated), overRisk: over };
    },

    /** Sums of the treated members' latest active campaign_response scores and uplifts (null without any). */
    async expected(members: SQL): Promise<{ responders: number | null; incremental: number | null; withUplift: number; scored: number }> {
      const row = await one<{ responders: number | null; incremental: number | null; with_uplift: number; scored: number }>(sql`select
          sum(s.score)::float8 as responders, sum(s.uplift)::float8 as incremental, count(s.uplift)::int as with_uplift, count(*)::int as scored
        from (${members}) m join ${mlScores} s on s.customer_id = m.customer_id and s.run_id = ${latestActiveScoringRun('campaign_response')}
        where m."group" = 'treated'`);
      return {
        responders: row.responders === null ? null : Number(row.responders),
        incremental: row.incremental === null ? null : Number(row.incremental),
        withUplift: Number(row.with_uplift),
        scored: Number(row.scored),
      };
    },

    /**
     * Up to `limit` members in a stable pseudo-random spread over the audience (not the first ids),
     * with their scores and which leaf rules hold for them. The order is the low bits of each
     * member's control place (`place`, stored by `evaluate`): no second hash per member, and
     * independent of the group, which the top bits decide.
     */
    async sample(members: SQL, opts: { limit: number; offerProductIds: readonly string[]; leaves: readonly AudienceLeaf[] }) {
      const propensity = opts.offerProductIds.map((p, i) => sql`${subscriberScore('propensity_to_buy', { product: p })} as ${sql.identifier(`p${i}`)}`);
      // A leaf that is a whole step holds for every member (each passed every step): only the
      // leaves inside groups are evaluated, for these few rows.
      const leaves = opts.leaves.flatMap((l, i) => (l.wholeStep ? [] : [sql`coalesce(${l.where}, false) as ${sql.identifier(`l${i}`)}`]));
      // place = k / 2^53: times 2^20 is exact, its fraction is k's low 33 bits.
      const spread = sql`(m.place * 1048576.0::float8 - floor(m.place * 1048576.0::float8))`;
      const rows = rowsOf<Record<string, unknown>>(await db.execute(sql`select m.customer_id, m."group",
          ${subscriberScore('payment_default_risk')} as default_risk,
          ${subscriberScore('campaign_response')} as response,
          ${subscriberScore('campaign_response', {}, 'uplift')} as uplift
          ${sql.join([...propensity, ...leaves].map((c) => sql`, ${c}`), sql``)}
        from (select m.customer_id, m."group", ${spread} as spread from (${members}) m order by spread, m.customer_id limit ${opts.limit}::int) m
        join ${customers} on ${customers.id} = m.customer_id
        order by m.spread, m.customer_id`));
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

    /** Every running campaign (but `except`) with how many of the audience are in its snapshot. */
    async overlap(members: SQL, except: string | undefined): Promise<{ campaignId: string; name: string; members: number }[]> {
      const rows = rowsOf<{ id: string; name: string; n: number }>(await db.execute(sql`select k.id, k.name,
          (select count(*) from ${campaignMembers} cm join (${members}) m on m.customer_id = cm.customer_id where cm.campaign_id = k.id)::int as n
        from ${campaigns} k where k.status = 'running' ${except === undefined ? sql`` : sql`and k.id <> ${except}::uuid`}
        order by k.name, k.id`));
      return rows.map((r) => ({ campaignId: String(r.id), name: r.name, members: Number(r.n) }));
    },

    /** Which of the offered products exist (an unknown id is refused before any count). */
    async existingProducts(ids: readonly string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = rowsOf<{ id: string }>(await db.execute(sql`select ${products.id} as id from ${products} where ${products.id} = any(${sql.param([...ids])}::uuid[])`));
      return new Set(rows.map((r) => r.id));
    },
  };
}
export type AudienceRepository = ReturnType<typeof createAudienceRepository>;

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { CustomerScoreList, MlModelVersion, MlScoringRun } from '@lyra/contracts';
import { createTestContext, type TestContext } from '../../../test/helpers.js';
import { createContainer } from '../../container.js';
import { openPostgres, rowsOf, type Database } from '../../db/client.js';
import { ALL_JOBS, jobWorkers } from '../../jobs/index.js';
import { openJobs, type Jobs } from '../../jobs/runner.js';
import { todayUtc } from '../../lib/time.js';
import { SYSTEM_ACTOR } from '../auth/permissions.js';
import type { SyntheticData } from '../customers/synthetic.js';
import { createFeaturesRepository } from './features/features.repository.js';
import { mlScorePartitionJob } from './ml.jobs.js';
import { loadSynthetic } from './ml.fixtures.js';
import { stopScoringThread } from './scoring/batch-scorer.js';
import { fromStoredReasons } from './scoring/stored-reasons.js';
import { createMlRepository } from './ml.repository.js';
import { encodeScores } from './scores-copy.js';

const SNAPSHOT = '2026-09-01';
const API = '/api/loyalty/v1';
/** Small partitions, so a few hundred subscribers make several. */
const PARTITION = 60;

type ScoreRow = { customer_id: string; product_id: string | null; score: number; reasons: unknown };

/** Polls until `fn` answers; the bound only turns a hang into a message naming what never finished. */
async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined>, timeoutMs = 540_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Training and scoring run in worker threads: minutes on a busy two-core machine. The bounds only catch a hang.
describe('batch scoring in partitions shared by instances, candidates pruned by the availability rule', { timeout: 600_000 }, () => {
  let t: TestContext;
  let data: SyntheticData;
  let scorable: string[];
  const headers = () => t.auth('admin');
  const get = async <T>(url: string): Promise<T> => (await t.app.inject({ url, headers: await headers() })).json() as T;
  const post = async <T>(url: string, payload: object): Promise<{ status: number; body: T }> => {
    const res = await t.app.inject({ method: 'POST', url, payload, headers: await headers() });
    return { status: res.statusCode, body: res.json() as T };
  };
  const patchProduct = async (id: string, payload: object) => {
    const res = await t.app.inject({ method: 'PATCH', url: `${API}/products/${id}/`, payload, headers: await headers() });
    expect(res.statusCode, res.body).toBe(200);
  };
  const runOf = (model: string, id: string) => get<MlScoringRun>(`${API}/ml/models/${model}/scoring-runs/${id}/`);
  const finished = (model: string, id: string) =>
    waitFor(`scoring run ${id}`, async () => {
      const r = await runOf(model, id);
      return r.status === 'queued' || r.status === 'running' ? null : r;
    });
  const score = async (model: string): Promise<MlScoringRun> => {
    const res = await post<MlScoringRun>(`${API}/ml/models/${model}/score/`, {});
    expect(res.status).toBe(202);
    return finished(model, res.body.id);
  };
  const rowsOfRun = async (runId: string): Promise<ScoreRow[]> =>
    rowsOf<ScoreRow>(
      await t.database.db.execute(sql`select customer_id, product_id::text as product_id, score, reasons from ml_scores where run_id = ${runId}::uuid order by customer_id, product_id nulls first`),
    );
  const train = async (model: string, body: object) => {
    const res = await post<MlModelVersion>(`${API}/ml/models/${model}/train/`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const v = await waitFor(`${model} training`, async () => {
      const r = await get<MlModelVersion>(`${API}/ml/models/${model}/versions/${res.body.version}/`);
      return r.status === 'training' ? null : r;
    });
    expect(v.status, v.error ?? '').toBe('ready');
  };

  beforeAll(async () => {
    t = await createTestContext({ workJobs: { pollingIntervalSeconds: 0.5 }, mlScoringPartitionSize: PARTITION });
    data = await loadSynthetic(t.container, { customers: 420, seed: 31, snapshot: SNAPSHOT, historyMonths: 9 });
    const ids = await createFeaturesRepository(t.database.db).scorableIdsAfter(todayUtc(new Date()), { after: null, limit: 10_000, segment: null });
    scorable = ids;
    // Small models: what is tested here is how runs are cut, written and finished, not their quality.
    const params = { n_trees: 40, early_stopping_rounds: 0 };
    await train('payment_default_risk', { snapshot_date: SNAPSHOT, params });
    await train('propensity_to_buy', { params });
  }, 900_000);
  afterAll(async () => {
    await t?.close();
  }, 120_000);

  it('a run is cut into partitions that cover every scorable subscriber exactly once; progress shows them', async () => {
    expect(scorable.length).toBe(data.customers.filter((c) => c.status !== 'churned').length);
    const run = await score('payment_default_risk');
    const parts = Math.ceil(scorable.length / PARTITION);
    expect(parts).toBeGreaterThan(3);
    expect(run).toMatchObject({ status: 'succeeded', total: scorable.length, scored: scorable.length, partitions_total: parts, partitions_done: parts });
    expect(run.psi).toEqual(expect.any(Number));

    const partitions = await createMlRepository(t.database.db).listPartitions(run.id);
    expect(partitions.map((p) => p.index)).toEqual([...Array(parts).keys()]);
    expect(partitions.every((p) => p.status === 'succeeded' && p.attempts === 1 && p.worker)).toBe(true);
    // One instance takes them in index order (their jobs' priority), so a run's small last partitions come last.
    const starts = partitions.map((p) => Date.parse(p.startedAt!));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(partitions[0]!.afterId).toBeNull();
    expect(partitions.at(-1)!.lastId).toBeNull();
    for (let i = 1; i < parts; i++) expect(partitions[i]!.afterId).toBe(partitions[i - 1]!.lastId);
    // Each subscriber lies in exactly one range, and each range holds the count it was cut with.
    for (const p of partitions) {
      const inside = scorable.filter((id) => (p.afterId === null || id > p.afterId) && (p.lastId === null || id <= p.lastId));
      expect([p.subscribers, p.scored]).toEqual([inside.length, inside.length]);
    }
    expect(partitions.reduce((n, p) => n + p.subscribers, 0)).toBe(scorable.length);
    const rows = await rowsOfRun(run.id);
    expect(rows.map((r) => r.customer_id)).toEqual(scorable);
  });

  it('propensity scores only the products each subscriber may be offered: not another segment\'s, outside the value band, over the risk cap or held', async () => {
    const first = await score('propensity_to_buy');
    expect(first).toMatchObject({ status: 'succeeded', scored: scorable.length });
    expect(first.psi).toEqual(expect.any(Number));
    const rows = await rowsOfRun(first.id);
    // One any-product row per subscriber, and no product twice for one subscriber.
    expect(rows.filter((r) => r.product_id === null).map((r) => r.customer_id)).toEqual(scorable);
    expect(new Set(rows.map((r) => `${r.customer_id}|${r.product_id}`)).size).toBe(rows.length);

    // Four subscribers whose best product differs, each then made unavailable to them another way.
    const top = new Map<string, string>();
    for (const r of rows) if (r.product_id !== null && !top.has(r.customer_id)) top.set(r.customer_id, r.product_id);
    const customers = new Map(data.customers.map((c) => [c.id, c]));
    const picked: { customer: string; product: string }[] = [];
    const risk = new Map(rowsOf<{ customer_id: string; score: number }>(
      await t.database.db.execute(sql`select customer_id, score from ml_scores where run_id = (
        select id from ml_scoring_runs where model_name = 'payment_default_risk' and status = 'succeeded' order by finished_at desc limit 1)`),
    ).map((r) => [r.customer_id, r.score]));
    for (const [customer, product] of top) {
      if (picked.some((p) => p.product === product)) continue;
      const c = customers.get(customer)!;
      // The value band needs a value; the risk cap a score it can sit under.
      if (picked.length === 1 && (c.customer_value == null || Number(c.customer_value) <= 0)) continue;
      if (picked.length === 2 && !((risk.get(customer) ?? 0) > 0.002)) continue;
      picked.push({ customer, product });
      if (picked.length === 4) break;
    }
    expect(picked).toHaveLength(4);
    const [segment, band, capped, held] = picked as [(typeof picked)[0], (typeof picked)[0], (typeof picked)[0], (typeof picked)[0]];
    const other = ['youth', 'students', 'seniors', 'expats', 'heavy_data', 'high_value', 'vip', 'families', 'business'].find((s) => !(customers.get(segment.customer)!.segments ?? []).includes(s))!;
    await patchProduct(segment.product, { target_segments: [other] });
    await patchProduct(band.product, { min_customer_value: (Number(customers.get(band.customer)!.customer_value) + 1000).toFixed(2) });
    await patchProduct(capped.product, { max_default_risk: (risk.get(capped.customer)! / 2).toFixed(4) });
    const since = new Date(Date.now() - 5 * 86_400_000).toISOString();
    const imported = await t.container.customersImport.importRecords(SYSTEM_ACTOR, 'holdings', [
      { id: 'H-SCORING-TEST', customer_id: held.customer, product_id: held.product, started_at: since, ended_at: null },
    ]);
    expect(imported.imported, JSON.stringify(imported.errors)).toBe(true);

    const second = await score('propensity_to_buy');
    expect(second).toMatchObject({ status: 'succeeded', scored: scorable.length });
    const after = await rowsOfRun(second.id);
    for (const { customer, product } of picked) {
      const own = after.filter((r) => r.customer_id === customer);
      expect(own.find((r) => r.product_id === null)).toBeDefined();
      expect(own.map((r) => r.product_id), customer).not.toContain(product);
    }
    // The risk-capped product is still offered to subscribers under its cap (pruned per subscriber, not dropped).
    const cap = risk.get(capped.customer)! / 2;
    const under = after.filter((r) => r.product_id === capped.product).map((r) => r.customer_id);
    for (const c of under) expect(risk.get(c) ?? 0).toBeLessThanOrEqual(cap);

    // A single prediction applies the same rule: the any-product score is the batch's.
    const one = scorable.find((id) => id !== held.customer)!;
    const predicted = await post<{ propensity: number }>(`${API}/ml/predict/`, { model: 'propensity_to_buy', customer_id: one });
    expect(predicted.body.propensity).toBeCloseTo(after.find((r) => r.customer_id === one && r.product_id === null)!.score, 12);
    // Each stored top offer carries its own reasons (a page's offers are explained together), and the
    // any-product row its best offer's: the same as one product's prediction.
    // Stored as [feature, value, contribution] triples, the contribution to 6 significant digits.
    type Reason = { feature: string; contribution: number; direction: string; value: unknown };
    const sameReasons = (stored: unknown, single: Reason[]) => {
      expect((stored as unknown[]).every((r) => Array.isArray(r) && r.length === 3)).toBe(true);
      const s = fromStoredReasons(stored);
      expect(s.map((r) => r.feature)).toEqual(single.map((r) => r.feature));
      expect(s.map((r) => r.value)).toEqual(single.map((r) => r.value));
      expect(s.map((r) => r.direction)).toEqual(single.map((r) => r.direction));
      s.forEach((r, i) => expect(Math.abs(r.contribution - single[i]!.contribution)).toBeLessThanOrEqual(Math.abs(single[i]!.contribution) * 5e-6));
    };
    for (const customer of scorable.filter((id) => id !== held.customer).slice(0, 3)) {
      const own = after.filter((r) => r.customer_id === customer);
      const offers = own.filter((r) => r.product_id !== null).sort((a, b) => b.score - a.score);
      expect(offers.length).toBeGreaterThan(1);
      for (const offer of offers) {
        const single = await post<{ propensity: number; reasons: Reason[] }>(`${API}/ml/predict/`, { model: 'propensity_to_buy', customer_id: customer, product_id: offer.product_id });
        expect(single.body.propensity).toBeCloseTo(offer.score, 12);
        expect(single.body.reasons.length).toBeGreaterThan(0);
        sameReasons(offer.reasons, single.body.reasons);
      }
      expect(own.find((r) => r.product_id === null)!.reasons).toEqual(offers[0]!.reasons);
    }
    const recommended = await get<{ results: { product_id: string }[] }>(`${API}/customers/${capped.customer}/recommended-products/?limit=100`);
    expect(recommended.results.map((r) => r.product_id)).not.toContain(capped.product);
    const page = await get<CustomerScoreList>(`${API}/customers/${capped.customer}/scores/`);
    expect(page.results.filter((s) => s.model === 'propensity_to_buy').every((s) => s.run_id === second.id)).toBe(true);
    // The API answers the stored triples as reasons with their direction.
    for (const s of page.results.filter((x) => x.model === 'propensity_to_buy')) {
      expect(s.reasons.length).toBeGreaterThan(0);
      for (const r of s.reasons) expect(r.direction).toBe(r.contribution > 0 ? 'increases' : 'decreases');
    }

    // The subscriber's scores are those audiences target by: newer rows of a run still writing, or of
    // a succeeded run of a version that is not the active one, are not shown as theirs.
    const repo = createMlRepository(t.database.db);
    const active = (await repo.activeRef('propensity_to_buy'))!;
    const replaced = await repo.insertVersion({ modelName: 'propensity_to_buy', status: 'ready', algorithm: 'gbdt', hyperParameters: {}, seed: 1, progress: { stage: 'done', iteration: 0, total: 0 }, createdBy: 'test' });
    const now = new Date(Date.now() + 60_000).toISOString();
    const running = await repo.insertRun({ modelName: 'propensity_to_buy', modelVersionId: active.id, version: active.version, status: 'running', requestedBy: 'test', startedAt: now });
    const ofReplaced = await repo.insertRun({ modelName: 'propensity_to_buy', modelVersionId: replaced.id, version: replaced.version, status: 'succeeded', requestedBy: 'test', startedAt: now, finishedAt: now });
    try {
      for (const run of [running, ofReplaced]) {
        await t.database.db.execute(sql`insert into ml_scores (customer_id, model_name, model_version_id, version, score, scored_at, run_id)
          values (${capped.customer}, 'propensity_to_buy', ${run.modelVersionId}::uuid, ${run.version}, 0.99, ${now}, ${run.id}::uuid)`);
      }
      const shown = await get<CustomerScoreList>(`${API}/customers/${capped.customer}/scores/`);
      expect(shown).toEqual(page);
    } finally {
      await t.database.db.execute(sql`delete from ml_model_versions where id = ${replaced.id}::uuid`);
      await t.database.db.execute(sql`delete from ml_scoring_runs where id = ${running.id}::uuid`);
    }
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('two instances on two connections share a run: every subscriber once, the same scores as one instance', async () => {
    const alone = await score('propensity_to_buy');
    let database2: Database | undefined;
    let jobs2: Jobs | undefined;
    try {
      database2 = await openPostgres(t.database.url!, 3);
      jobs2 = await openJobs(database2, ALL_JOBS, { schedule: false });
      const second = createContainer(database2, { sessionTtlHours: 1, jobs: jobs2, mlScoringPartitionSize: PARTITION });
      await jobs2.work(jobWorkers(second).filter((w) => w.job.name === mlScorePartitionJob.name), { pollingIntervalSeconds: 0.5 });
      const shared = await score('propensity_to_buy');
      expect(shared).toMatchObject({ status: 'succeeded', scored: scorable.length, partitions_done: shared.partitions_total });
      const workers = new Set((await createMlRepository(t.database.db).listPartitions(shared.id)).map((p) => p.worker));
      expect(workers.size).toBe(2);
      const [a, b] = [await rowsOfRun(alone.id), await rowsOfRun(shared.id)];
      expect(new Set(b.map((r) => `${r.customer_id}|${r.product_id}`)).size).toBe(b.length);
      expect(b).toEqual(a);
      expect(shared.psi).toBe(alone.psi);
    } finally {
      await jobs2?.stop();
      await database2?.close();
    }
  });

  it('a partition retried after a crash leaves one set of rows; a stale attempt cannot write; a partition failing every attempt fails its run', async () => {
    const boss = t.jobs!.boss;
    await boss.offWork(mlScorePartitionJob.name);
    try {
      const queued = await post<MlScoringRun>(`${API}/ml/models/payment_default_risk/score/`, {});
      const run = await waitFor('partitions queued', async () => {
        const r = await runOf('payment_default_risk', queued.body.id);
        return r.status === 'running' ? r : null;
      });
      expect(run.partitions_total).toBeGreaterThan(2);
      const repo = createMlRepository(t.database.db);
      const scoring = t.container.ml.scoring;
      const [p0] = await repo.listPartitions(run.id);
      const members = scorable.filter((id) => id <= p0!.lastId!);

      // Attempt 1 writes a page and dies; the job's retry (attempt 2) replaces what it wrote.
      const crashed = await repo.claimPartition(run.id, 0, 'crashed-instance', 3);
      expect(crashed!.partition.attempts).toBe(1);
      const stray = encodeScores(members.slice(0, 3).map((customerId) => ({
        customerId, modelName: 'payment_default_risk', modelVersionId: crashed!.run.modelVersionId, version: crashed!.run.version, score: 0.5, scoredAt: new Date().toISOString(), runId: run.id,
      })));
      expect(await repo.writePartitionScores(run.id, 0, 1, stray, 3)).toBe(true);
      expect(await scoring.scorePartition(run.id, 0)).toMatchObject({ status: 'succeeded' });
      // The first attempt wakes up: its writes are refused; the job delivered again finds the partition done.
      expect(await repo.writePartitionScores(run.id, 0, 1, stray, 3)).toBe(false);
      expect(await scoring.scorePartition(run.id, 0)).toMatchObject({ status: 'skipped' });
      const rows = (await rowsOfRun(run.id)).filter((r) => r.customer_id <= p0!.lastId!);
      expect(rows.map((r) => r.customer_id)).toEqual(members);
      expect(rows.some((r) => r.score === 0.5)).toBe(false);
      const [done] = await repo.listPartitions(run.id);
      expect(done).toMatchObject({ status: 'succeeded', attempts: 2, scored: members.length });
      expect(await runOf('payment_default_risk', run.id)).toMatchObject({ status: 'running', scored: members.length, partitions_done: 1 });

      // Partition 2 cannot load its model on any attempt: retried (the job throws) until the last, which fails the run.
      // (An instance keeps loaded versions between partitions; this one has not loaded it yet.)
      await t.database.db.execute(sql`update ml_model_versions set artifact = jsonb_set(artifact, '{formatVersion}', '99') where id = ${crashed!.run.modelVersionId}::uuid`);
      stopScoringThread();
      try {
        for (let attempt = 1; attempt < 3; attempt++) await expect(scoring.scorePartition(run.id, 1)).rejects.toThrow(/artifact format/);
        expect(await scoring.scorePartition(run.id, 1)).toMatchObject({ status: 'failed' });
      } finally {
        await t.database.db.execute(sql`update ml_model_versions set artifact = jsonb_set(artifact, '{formatVersion}', '1') where id = ${crashed!.run.modelVersionId}::uuid`);
      }
      const failed = await runOf('payment_default_risk', run.id);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/^Partition 2 of \d+ .*failed after 3 attempts: .*artifact format/);
      expect(await scoring.scorePartition(run.id, 2)).toMatchObject({ status: 'skipped' });

      // Every attempt's instance dies mid-way: the job's delivery after the last one fails the run.
      const next = await post<MlScoringRun>(`${API}/ml/models/payment_default_risk/score/`, {});
      await waitFor('partitions queued', async () => ((await runOf('payment_default_risk', next.body.id)).status === 'running' ? true : null));
      for (let attempt = 1; attempt <= 3; attempt++) expect((await repo.claimPartition(next.body.id, 0, `dying-${attempt}`, 3))!.exhausted).toBe(false);
      expect(await scoring.scorePartition(next.body.id, 0)).toMatchObject({ status: 'failed' });
      expect(await runOf('payment_default_risk', next.body.id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^Partition 1 of .*3 attempts: its last attempt \(on dying-3\) stopped without finishing/) });
    } finally {
      await t.jobs!.work(jobWorkers(t.container).filter((w) => w.job.name === mlScorePartitionJob.name), { pollingIntervalSeconds: 0.5 });
    }
  });

  it('a finished run deletes the scores no reader takes any more, beyond the newest runs kept, each in the audit log', async () => {
    const MODEL = 'payment_default_risk';
    // the runs so far (the tests above) and three more over the whole base
    for (let k = 0; k < 3; k++) expect((await score(MODEL)).status).toBe('succeeded');
    const newest = await score(MODEL);
    expect(newest.status).toBe('succeeded');
    expect(newest.scores_deleted_at).toBeNull();
    const runs = rowsOf<{ id: string; status: string; rows: number; deleted: boolean }>(await t.database.db.execute(sql`
      select r.id, r.status, (select count(*)::int from ml_scores s where s.run_id = r.id) as rows, r.scores_deleted_at is not null as deleted
      from ml_scoring_runs r where r.model_name = ${MODEL} order by r.finished_at desc nulls first, r.id desc`));
    const succeeded = runs.filter((r) => r.status === 'succeeded');
    expect(succeeded.length).toBeGreaterThan(4);
    // the 3 newest succeeded runs (SCORE_RUNS_KEPT) keep their scores; every older run lost them and says so
    const kept = succeeded.slice(0, 3);
    expect(kept[0]!.id).toBe(newest.id);
    for (const r of kept) expect(r).toMatchObject({ deleted: false, rows: scorable.length });
    const older = runs.filter((r) => r.status !== 'running' && r.status !== 'queued' && !kept.includes(r));
    expect(older.length).toBeGreaterThan(1);
    for (const r of older) expect(r, r.id).toMatchObject({ deleted: true, rows: 0 });
    const oldRun = await runOf(MODEL, older[0]!.id);
    expect(oldRun.scores_deleted_at).toEqual(expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/));
    expect(oldRun.scored).toBeGreaterThan(0); // its figures stay
    const audit = await get<{ results: { action: string; entity_id: string; actor_email: string; before: { model: string; rows: number } }[] }>(`${API}/audit-log/?entity_type=ml_scores&limit=100`);
    const audited = new Map(audit.results.filter((e) => e.action === 'delete').map((e) => [e.entity_id, e]));
    for (const r of older) expect(audited.get(r.id), r.id).toMatchObject({ actor_email: 'system', before: { model: MODEL } });
    expect(audited.get(older.find((r) => r.status === 'succeeded')!.id)!.before.rows).toBe(scorable.length);
    // a customer's page still shows the newest run's scores
    const scores = await get<CustomerScoreList>(`${API}/customers/${scorable[0]}/scores/`);
    expect(scores.results.find((x) => x.model === MODEL)).toMatchObject({ run_id: newest.id });
  });
});

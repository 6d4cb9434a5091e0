import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/client.js';
import { createMetricsRepository, type MetricsRepository } from './metrics.repository.js';

/**
 * Prometheus metrics (GET /metrics, see http/metrics.plugin.ts). Three sources:
 * - this process's own counters: job outcomes (recordJobOutcome) and Node's process metrics;
 * - the HTTP app's latency histogram, fed by its onResponse hook;
 * - gauges read from the database at scrape time (sync runs and items, scoring, model PSI,
 *   pg-boss queues), so the modules that write those rows need no metrics code.
 */

/** Process-wide: the job runner records outcomes without a handle on the app. */
const processRegistry = new Registry();
let processMetricsStarted = false;

const jobOutcomes = new Counter({
  name: 'lyra_job_outcomes_total',
  help: 'Jobs worked by this process, by job name and outcome (succeeded, partial, cancelled, skipped, failed; error: the handler threw and pg-boss retries)',
  labelNames: ['job', 'outcome'] as const,
  registers: [processRegistry],
});

/** Counts one worked job; the job runner calls it once per job (its `onOutcome`). */
export function recordJobOutcome(job: string, outcome: string): void {
  jobOutcomes.inc({ job, outcome });
}

export interface Metrics {
  /** One answered request: its matched route (null when none matched), method, status and seconds. */
  observeRequest(route: string | null, method: string, status: number, seconds: number): void;
  /** The exposition text; reads the database first. */
  render(): Promise<string>;
  readonly contentType: string;
}

export function createMetrics(deps: { database: Database }): Metrics {
  if (!processMetricsStarted) {
    processMetricsStarted = true;
    collectDefaultMetrics({ register: processRegistry });
  }
  const registry = new Registry();
  const registers = [registry];

  const httpDuration = new Histogram({
    name: 'lyra_http_request_duration_seconds',
    help: 'HTTP requests by matched route (unmatched: no route), method and status: time to the answer sent',
    labelNames: ['route', 'method', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });

  const gauges = {
    syncRuns: new Gauge({ name: 'lyra_sync_runs', help: 'Sync runs recorded, by external system and status (queued and running: in progress now)', labelNames: ['system', 'system_type', 'status'] as const, registers }),
    syncItems: new Gauge({ name: 'lyra_sync_items', help: 'Catalog items handled by all recorded sync runs, by system and outcome (created, updated, unchanged, retired, skipped, failed)', labelNames: ['system', 'system_type', 'outcome'] as const, registers }),
    syncLastSuccess: new Gauge({ name: 'lyra_sync_last_success_timestamp_seconds', help: 'When the last successful sync of a system finished (Unix time)', labelNames: ['system', 'system_type'] as const, registers }),
    scoringRuns: new Gauge({ name: 'lyra_ml_scoring_runs', help: 'Scoring runs recorded, by model and status', labelNames: ['model', 'status'] as const, registers }),
    scoredRows: new Gauge({ name: 'lyra_ml_scored_rows', help: 'Subscribers scored by the succeeded scoring runs, by model', labelNames: ['model'] as const, registers }),
    lastRunRows: new Gauge({ name: 'lyra_ml_scoring_last_run_rows', help: 'Subscribers scored by the newest succeeded scoring run of a model', labelNames: ['model', 'version'] as const, registers }),
    lastRunSeconds: new Gauge({ name: 'lyra_ml_scoring_last_run_seconds', help: 'Duration of the newest succeeded scoring run of a model', labelNames: ['model', 'version'] as const, registers }),
    throughput: new Gauge({ name: 'lyra_ml_scoring_rows_per_second', help: 'Scoring throughput of the newest succeeded run of a model: subscribers scored per second', labelNames: ['model', 'version'] as const, registers }),
    psi: new Gauge({ name: 'lyra_ml_model_psi', help: "Population stability index of the active model version's newest scoring (< 0.1 stable, 0.1-0.25 watch, > 0.25 retrain)", labelNames: ['model', 'version'] as const, registers }),
    queueDepth: new Gauge({ name: 'lyra_job_queue_depth', help: 'Jobs waiting in a pg-boss queue (created or retry)', labelNames: ['queue'] as const, registers }),
    queueActive: new Gauge({ name: 'lyra_job_queue_active', help: 'Jobs of a pg-boss queue being worked now', labelNames: ['queue'] as const, registers }),
    collectorUp: new Gauge({ name: 'lyra_metrics_collector_up', help: 'Whether the last scrape could read a group of metrics from the database (1) or not (0)', labelNames: ['collector'] as const, registers }),
  };

  const repo = createMetricsRepository(deps.database);
  const collectors = databaseCollectors(repo, gauges);

  return {
    contentType: registry.contentType,
    observeRequest(route, method, status, seconds) {
      httpDuration.observe({ route: route ?? 'unmatched', method, status_code: String(status) }, seconds);
    },
    async render() {
      // Each group is refreshed on its own: one failing query leaves the others' series and says so.
      await Promise.all(
        Object.entries(collectors).map(async ([name, collect]) => {
          try {
            await collect();
            gauges.collectorUp.set({ collector: name }, 1);
          } catch {
            gauges.collectorUp.set({ collector: name }, 0);
          }
        }),
      );
      return Registry.merge([processRegistry, registry]).metrics();
    },
  };
}

type Gauges = Record<'syncRuns' | 'syncItems' | 'syncLastSuccess' | 'scoringRuns' | 'scoredRows' | 'lastRunRows' | 'lastRunSeconds' | 'throughput' | 'psi' | 'queueDepth' | 'queueActive', Gauge<string>>;

/**
 * Scrape-time readers, by collector name. Each resets its gauges before setting them, so a system,
 * model or queue that is gone stops being reported.
 */
function databaseCollectors(repo: MetricsRepository, g: Gauges): Record<string, () => Promise<void>> {
  return {
    async sync() {
      const [runs, items, last] = await Promise.all([repo.syncRuns(), repo.syncItems(), repo.syncLastSuccess()]);
      g.syncRuns.reset();
      for (const r of runs) g.syncRuns.set({ system: r.system, system_type: r.systemType, status: r.status }, r.runs);
      g.syncItems.reset();
      for (const r of items) g.syncItems.set({ system: r.system, system_type: r.systemType, outcome: r.outcome }, r.items);
      g.syncLastSuccess.reset();
      for (const r of last) g.syncLastSuccess.set({ system: r.system, system_type: r.systemType }, r.seconds);
    },
    async scoring() {
      const [runs, last] = await Promise.all([repo.scoringRuns(), repo.lastScoringRuns()]);
      g.scoringRuns.reset();
      g.scoredRows.reset();
      const rowsByModel = new Map<string, number>();
      for (const r of runs) {
        g.scoringRuns.set({ model: r.model, status: r.status }, r.runs);
        rowsByModel.set(r.model, (rowsByModel.get(r.model) ?? 0) + r.rows);
      }
      for (const [model, rows] of rowsByModel) g.scoredRows.set({ model }, rows);
      g.lastRunRows.reset();
      g.lastRunSeconds.reset();
      g.throughput.reset();
      for (const r of last) {
        const labels = { model: r.model, version: String(r.version) };
        g.lastRunRows.set(labels, r.rows);
        g.lastRunSeconds.set(labels, r.seconds);
        // A run finished within the same clock tick has no meaningful rate.
        if (r.seconds > 0) g.throughput.set(labels, r.rows / r.seconds);
      }
    },
    async models() {
      const psi = await repo.activeModelPsi();
      g.psi.reset();
      for (const r of psi) g.psi.set({ model: r.model, version: String(r.version) }, r.psi);
    },
    async queues() {
      const depths = await repo.queueDepths();
      g.queueDepth.reset();
      g.queueActive.reset();
      for (const q of depths) {
        g.queueDepth.set({ queue: q.queue }, q.queued);
        g.queueActive.set({ queue: q.queue }, q.active);
      }
    },
  };
}

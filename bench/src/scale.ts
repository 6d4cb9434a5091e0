/**
 * `npm run bench -- scale [--subscribers 1000000] [--offers 500] [--database-url postgres://...] [--pglite]
 *   [--instances 1,2] [--chunk 5000] [--history-months 12] [--max-rows 200000] [--pair-subscribers 2000] [--runs 60]
 *   [--phases import,score] [--constrained-copy-only | --no-copy] [--layouts shared,pinned | --pin] [--keep] [--reuse postgres://...]`
 *
 * Operator scale (issue 12), every figure beside its target:
 *  1. N synthetic subscribers with their history generated and written through Lyra's import
 *     service (the one the API's CSV / JSON-lines imports call: validation, references, COPY straight
 *     into the table or, for keys that exist, into staging and one upsert, segment sync, response
 *     attribution), beside a `COPY` of the very same rows into tables of Lyra's schema: the same
 *     columns, keys, indexes and foreign keys (referencing Lyra's tables). That is the speed of the
 *     database for these rows, as the catalog-sync benchmark's baseline (b) is a COPY into the real
 *     products table with its indexes. Target ≤ 2 ×. Also printed, per table and in total: the same
 *     COPY into plain tables (no keys, no indexes) and into tables with keys and indexes but no
 *     foreign keys, so what Lyra's constraints cost the database is visible beside what the import
 *     adds.
 *  2. A propensity version trained (a sample: `--max-rows`) and activated through the API of a
 *     started server, then batch scoring of every subscriber against the `--offers` catalog,
 *     requested through the API and worked by server processes started with JOBS=1 on the same
 *     database: one instance, then two, in each layout (below). Subscriber × candidate pairs per second (candidates: the
 *     products the availability rule lets be offered to a subscriber, minus those held; their mean
 *     measured on `--pair-subscribers` of the same subscribers) beside XGBoost (/usr/bin/python3, one
 *     thread) predicting those subscribers' pair matrix as the model's own row builder makes it, its
 *     model trained on the version's training rows (rebuilt with the same snapshot, seed and row
 *     cap) with the same number of trees and depth. Targets: ≥ 0.8 × XGBoost; two instances ≥ 1.7 ×
 *     one. Also printed: Lyra's predict alone on that matrix (one pass, this process), and
 *     `scale.machine`: a few pages of these subscribers scored as the scoring thread does, by one
 *     worker thread alone and by two at once (what two scoring threads lose beside each other on
 *     this machine's cores, whatever else runs).
 *  3. p99 of the product list (authenticated) sampled while each run scores. Target < 100 ms (PostgreSQL).
 *  4. The campaigns benchmark's audience preview on these subscribers and their real propensity scores
 *     (default-risk scores inserted directly, as that benchmark does), over 60 rounds: at 100,000
 *     subscribers a round takes ~30 ms, and the p95 of 20 rounds was their second slowest (1.03-1.83 x
 *     the hand count over the runs of stops 24-30, with medians of 1.0-1.25 x).
 *  5. Peak RSS per phase of this process and of each server (VmRSS from /proc every 250 ms), and the
 *     hours 10 and 20 million subscribers would take on 1, 2 and 4 instances at the measured rates.
 *
 * `--constrained-copy-only` leaves out the two informative COPYs of phase 1 (plain tables, no foreign
 * keys): at a million subscribers each costs some ten minutes, and the target compares with the third.
 * `--no-copy` leaves out all three (twenty minutes at a million): a run for the scoring figures, whose
 * import line then prints no ratio.
 *
 * The scoring runs are measured in two layouts (`--layouts`, both by default), each with one and with
 * two instances, and each layout's speed-up is two instances' rate against one instance's in it:
 *  - `shared`: the servers run where the kernel puts them. One instance alone may then use both cores:
 *    its scoring thread takes one, and its API thread, V8's helper threads, PostgreSQL and this bench
 *    take ~0.17 of the other, which a second instance's run has to share.
 *  - `pinned`: each scoring server on a core of its own (`taskset`, every thread; server k on core
 *    k - 1), as instances on machines of their own are: one instance gets one core as each of two
 *    does, while PostgreSQL and this bench run on either core (they are shared in both runs).
 * `--pin` is `--layouts pinned`. Training is not pinned.
 *
 * `--phases import` runs phase 1 alone (the import beside COPY, per table); the default is every phase
 * (`score` is 2 to 5, which need the imported subscribers).
 *
 * `--keep` leaves the database (PostgreSQL: it prints the URL) with its trained version; `--reuse <URL>`
 * scores a kept PostgreSQL database again without importing or training (its active version scores,
 * so runs before and after a change compare on the same trees).
 *
 * PostgreSQL (default: TEST_DATABASE_URL, else the local cluster CI uses): a throwaway database is
 * created in that server and dropped at the end. `--pglite`: a PGlite directory, one server at a time
 * (PGlite is one process's), so the two-instance run is skipped.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { CUSTOMER_IMPORT_ROWS, type CustomerImportInputs, type CustomerImportTable } from '@lyra/contracts';
import { createContainer, type Container } from '@lyra/server/container';
import { copyRows, type StagingColumn } from '@lyra/server/db/bulk-copy';
import { openDatabase, runMigrations, type Database } from '@lyra/server/db/client';
import { SYSTEM_ACTOR, type Actor } from '@lyra/server/modules/auth/permissions';
import { loadSyntheticCustomers } from '@lyra/server/modules/customers/customers.seed';
import { customerRow, productRow, type CustomerFacts, type ProductInfo } from '@lyra/server/modules/ml/features/features';
import { createFeaturesRepository } from '@lyra/server/modules/ml/features/features.repository';
import { MODEL_SPECS } from '@lyra/server/modules/ml/ml.models';
import { createMlRepository } from '@lyra/server/modules/ml/ml.repository';
import { loadModel, type LoadedModel } from '@lyra/server/modules/ml/scoring/loaded-model';
import type { BatchPage, BatchRun } from '@lyra/server/modules/ml/scoring/score-batch';
import { SCORE_BATCH } from '@lyra/server/modules/ml/scoring/scoring-run';
import { buildTrainingSet } from '@lyra/server/modules/ml/training/training-set';
import { createProductsRepository } from '@lyra/server/modules/products/products.repository';
import { dropBenchDatabase } from './bench-database.js';
import { benchAudiencePreview, insertRiskScores } from './campaigns.js';
import { syntheticProducts } from './catalog-data.js';
import { scoringSideBySide } from './scoring-side-by-side.js';
import { hasXgboost, xgbOnPairs } from './xgb-pairs.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const API = '/api/loyalty/v1';
const MODEL = 'propensity_to_buy';
const USER = { email: 'bench-scale@lyra.local', password: 'bench-scale-password-1' };
const SECRET_KEY = 'bench-scale-secret-key-not-for-production';
const MB = 1024 * 1024;
/** Pages the side-by-side scoring measures (scale.machine), of batch scoring's size: a few seconds a round on two cores. */
const SIDE_BY_SIDE_PAGES = 5;
/** Import table -> the table Lyra stores it in. */
const STORED_IN: Record<CustomerImportTable, string> = {
  customers: 'customers', holdings: 'customer_holdings', usage: 'customer_usage', bills: 'customer_bills',
  payments: 'customer_payments', purchases: 'customer_purchases', contacts: 'campaign_contacts',
};

const f1 = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(1));
const f2 = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(2));
const int = (x: number) => Math.round(x).toLocaleString('en-US');
/** Milliseconds as seconds; NaN (a COPY --constrained-copy-only leaves out) as "not run". */
const secs = (ms: number) => (Number.isNaN(ms) ? 'not run' : `${f1(ms / 1000)}s`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

interface Options {
  subscribers: number;
  offers: number;
  databaseUrl: string | null;
  instances: number[];
  chunk: number;
  historyMonths: number | undefined;
  maxRows: number;
  pairSubscribers: number;
  runs: number;
  phases: Set<Phase>;
  /** Only the COPY the import's target compares with (into tables with Lyra's keys, indexes and foreign keys), not the two informative ones. */
  constrainedCopyOnly: boolean;
  /** No COPY beside the import at all (`--no-copy`). */
  noCopy: boolean;
  /** The layouts the scoring runs are measured in (`--layouts`; `--pin` is pinned alone). */
  layouts: Layout[];
  /** Leave the database (and its trained version) for `reuse`. */
  keep: boolean;
  /** A PostgreSQL database a `--keep` run left: no import (its subscribers and catalog), its active version scores. */
  reuse: string | null;
}

const PHASES = ['import', 'score'] as const;
type Phase = (typeof PHASES)[number];
/** Where the scoring servers run: where the kernel puts them, or each on a core of its own. */
const LAYOUTS = ['shared', 'pinned'] as const;
type Layout = (typeof LAYOUTS)[number];
const LAYOUT_LABEL: Record<Layout, string> = { shared: 'sharing the cores', pinned: 'each on a core of its own' };

function options(args: string[]): Options {
  const num = (name: string, dflt: number) => {
    const v = Number(arg(args, name) ?? dflt);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
    return v;
  };
  const pglite = args.includes('--pglite');
  const history = arg(args, 'history-months');
  const phases = (arg(args, 'phases') ?? PHASES.join(',')).split(',').map((p) => p.trim()).filter(Boolean);
  const unknown = phases.filter((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown.length || phases.length === 0) throw new Error(`--phases takes a comma-separated list of ${PHASES.join(', ')} (got ${unknown.join(', ') || 'none'})`);
  const layouts = (args.includes('--pin') ? 'pinned' : (arg(args, 'layouts') ?? LAYOUTS.join(','))).split(',').map((l) => l.trim()).filter(Boolean);
  const unknownLayouts = layouts.filter((l) => !(LAYOUTS as readonly string[]).includes(l));
  if (unknownLayouts.length || layouts.length === 0) throw new Error(`--layouts takes a comma-separated list of ${LAYOUTS.join(', ')} (got ${unknownLayouts.join(', ') || 'none'})`);
  const reuse = arg(args, 'reuse') ?? null;
  if (reuse !== null && !/^postgres(ql)?:\/\//.test(reuse)) throw new Error('--reuse takes the PostgreSQL URL a --keep run printed');
  if (!phases.includes('import') && reuse === null) throw new Error('--phases: scoring needs the imported subscribers; include import (or --reuse a kept database)');
  return {
    subscribers: num('subscribers', 1_000_000),
    offers: num('offers', 500),
    databaseUrl: pglite ? null : (arg(args, 'database-url') ?? process.env.TEST_DATABASE_URL ?? 'postgres://lyra:lyra@127.0.0.1:5432/postgres'),
    instances: (arg(args, 'instances') ?? '1,2').split(',').map(Number).filter((n) => n >= 1),
    chunk: num('chunk', 5000),
    historyMonths: history ? Number(history) : undefined,
    maxRows: num('max-rows', 200_000),
    pairSubscribers: num('pair-subscribers', 2000),
    runs: num('runs', 60),
    phases: new Set(reuse === null ? (phases as Phase[]) : ['score']),
    constrainedCopyOnly: args.includes('--constrained-copy-only'),
    noCopy: args.includes('--no-copy'),
    layouts: [...new Set(layouts as Layout[])],
    keep: args.includes('--keep'),
    reuse,
  };
}

// ---------------------------------------------------------------------------------------------
// Peak resident memory per phase, from /proc

function rssOf(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

class RssMonitor {
  private readonly pids = new Map<string, number>([['bench', process.pid]]);
  private peaks = new Map<string, number>();
  private readonly timer = setInterval(() => this.sample(), 250);

  constructor() {
    this.timer.unref();
  }

  track(label: string, pid: number) {
    this.pids.set(label, pid);
  }

  untrack(label: string) {
    this.pids.delete(label);
  }

  private sample() {
    for (const [label, pid] of this.pids) {
      const rss = rssOf(pid);
      if (rss !== null) this.peaks.set(label, Math.max(this.peaks.get(label) ?? 0, rss));
    }
  }

  /** Prints the peaks since the previous phase ended, and starts the next. */
  endPhase(phase: string) {
    this.sample();
    const parts = [...this.peaks].map(([label, bytes]) => `${label}=${int(bytes / MB)}MB`);
    console.log(`scale.rss phase=${phase} peak ${parts.join(' ')}`);
    this.peaks = new Map();
  }

  stop() {
    clearInterval(this.timer);
  }
}

/**
 * A /proc stat file's command name and the fields after it (utime, stime, cutime and cstime are the
 * 12th to 15th), null when its process or thread is gone.
 */
function procStat(statFile: string): { command: string; fields: string[] } | null {
  let stat: string;
  try {
    stat = readFileSync(statFile, 'utf8');
  } catch {
    return null;
  }
  // The command is in parentheses and may itself hold spaces or parentheses: the last ")" ends it.
  return { command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
}

/** CPU seconds (user + system) in a /proc stat file, null when its process or thread is gone. */
function cpuSecondsIn(statFile: string): number | null {
  const stat = procStat(statFile);
  return stat ? (Number(stat.fields[11]) + Number(stat.fields[12])) / CLOCK_TICKS : null;
}

/** CPU seconds a process has used, null when it is gone. */
const cpuSecondsOf = (pid: number): number | null => cpuSecondsIn(`/proc/${pid}/stat`);

/** CPU seconds each thread of a process has used so far, by thread id (Node names them all "node"). */
function threadCpuSeconds(pid: number): Map<number, number> {
  const threads = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    const s = cpuSecondsIn(`/proc/${pid}/task/${tid}/stat`);
    if (s !== null) threads.set(Number(tid), s);
  }
  return threads;
}

/**
 * A server's CPU over a run by thread: its main thread (the API's event loop), its busiest other
 * thread (the scoring thread, which lives across a run's partitions), and the rest (V8's garbage
 * collection and compiler helpers, libuv's pool). A thread that ended during the run counts in none.
 */
function threadSplit(pid: number, before: Map<number, number>): { main: number; scoring: number; other: number } {
  const deltas = [...threadCpuSeconds(pid)].map(([tid, s]) => ({ tid, s: s - (before.get(tid) ?? 0) }));
  const main = deltas.find((d) => d.tid === pid)?.s ?? 0;
  const others = deltas.filter((d) => d.tid !== pid).sort((a, b) => b.s - a.s);
  return { main, scoring: others[0]?.s ?? 0, other: others.slice(1).reduce((n, d) => n + d.s, 0) };
}

/**
 * CPU seconds of every PostgreSQL process of this machine (by command name), with what its ended
 * backends used (counted in their parent's cutime and cstime once reaped): the database's share of a
 * run. Zero without a local PostgreSQL server (PGlite runs in the server's process).
 */
function postgresCpuSeconds(): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(`/proc/${entry}/stat`);
    if (stat?.command !== 'postgres') continue;
    const f = stat.fields;
    ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }
  return ticks / CLOCK_TICKS;
}

/** CPU seconds of this bench's process so far. */
function benchCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Busy CPU seconds of the whole machine, every core (/proc/stat: all but idle and iowait). */
function machineBusySeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = cpu;
  return (user! + nice! + system! + irq! + softirq! + steal!) / CLOCK_TICKS;
}

/** Linux's USER_HZ, the unit of /proc's CPU times. */
const CLOCK_TICKS = 100;

// ---------------------------------------------------------------------------------------------
// The database: a throwaway one in a PostgreSQL server, or a PGlite directory

interface BenchDb {
  kind: 'postgres' | 'pglite';
  /** What a server process is given: DATABASE_URL, or DATA_DIR holding the PGlite database. */
  url: string | null;
  dataDir: string;
  open(): Promise<Database>;
  dispose(): Promise<void>;
}

async function benchDb(databaseUrl: string | null, opts: Pick<Options, 'keep' | 'reuse'>): Promise<BenchDb> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lyra-bench-scale-'));
  if (opts.reuse) {
    return {
      kind: 'postgres', url: opts.reuse, dataDir,
      open: () => openDatabase({ databaseUrl: opts.reuse!, dataDir: null }),
      dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  if (!databaseUrl) {
    return {
      kind: 'pglite', url: null, dataDir,
      open: () => openDatabase({ databaseUrl: undefined, dataDir: path.join(dataDir, 'db') }),
      dispose: async () => {
        if (opts.keep) console.log(`scale: the PGlite database is kept in ${path.join(dataDir, 'db')}`);
        else rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const name = `lyra_bench_scale_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return {
    kind: 'postgres', url: url.toString(), dataDir,
    open: () => openDatabase({ databaseUrl: url.toString(), dataDir: null }),
    dispose: async () => {
      if (opts.keep) {
        rmSync(dataDir, { recursive: true, force: true });
        console.log(`scale: the database is kept: npm run bench -- scale --reuse ${url.toString()} (drop database ${name} when done)`);
        return;
      }
      try {
        await dropBenchDatabase(databaseUrl, name);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Phase 1: subscribers through the import service, beside COPY of the same rows

interface ImportFigures {
  subscribers: number;
  rows: number;
  importMs: number;
  copyMs: number;
  /** The same COPY into tables with Lyra's keys and indexes (no foreign keys): where the rest goes. */
  indexedMs: number;
  /** And into tables with Lyra's keys, indexes and foreign keys too: what any write keeping Lyra's constraints pays. */
  constrainedMs: number;
  totalMs: number;
  byTable: Record<string, { rows: number; importMs: number; copyMs: number; indexedMs: number; constrainedMs: number }>;
}

/** The columns of Lyra's table, as COPY columns (name, SQL type). */
async function tableColumns(database: Database, table: string): Promise<StagingColumn[]> {
  const r = await database.executeSql(
    `select column_name, data_type, udt_name from information_schema.columns where table_schema = current_schema() and table_name = $1 order by ordinal_position`, [table]);
  return r.rows.map((c) => {
    const udt = String(c.udt_name);
    return { name: String(c.column_name), type: udt.startsWith('_') ? `${udt.slice(1)}[]` : String(c.data_type) };
  });
}

async function importSubscribers(database: Database, container: Container, opts: Options, rss: RssMonitor): Promise<ImportFigures> {
  // The baseline's tables: Lyra's columns, defaults, keys, indexes and foreign keys (referencing
  // Lyra's tables, where the import has just written the rows they name); and, for comparison, the
  // same with no foreign keys, and plain ones (columns and defaults only).
  const columnsOf = new Map<CustomerImportTable, StagingColumn[]>();
  for (const [table, stored] of Object.entries(STORED_IN) as [CustomerImportTable, string][]) {
    await database.executeSql(`create table bench_copy_${stored} (like ${stored} including defaults)`);
    await database.executeSql(`create table bench_indexed_${stored} (like ${stored} including all)`);
    await database.executeSql(`create table bench_fk_${stored} (like ${stored} including all)`);
    const fks = await database.executeSql(`select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = $1::regclass and contype = 'f' order by conname`, [stored]);
    for (const fk of fks.rows) await database.executeSql(`alter table bench_fk_${stored} add ${String(fk.def)}`);
    columnsOf.set(table, await tableColumns(database, stored));
  }
  const byTable: ImportFigures['byTable'] = {};
  let importMs = 0;
  let copyMs = 0;
  let indexedMs = 0;
  let constrainedMs = 0;
  // The generator's own loop (chunks of subscribers, tables in reference order), its import calls
  // timed, each followed by a COPY of the same records as the import's schema reads them.
  const timedImport = {
    async importRecords<T extends CustomerImportTable>(actor: Actor, table: T, records: Iterable<CustomerImportInputs[T]>) {
      const list = [...records];
      const t0 = performance.now();
      const result = await container.customersImport.importRecords(actor, table, list);
      const tImport = performance.now() - t0;
      const parsed = list.map((r) => CUSTOMER_IMPORT_ROWS[table].parse(r) as Record<string, unknown>);
      const all = columnsOf.get(table)!;
      const columns = all.filter((c) => parsed[0] && c.name in parsed[0]);
      const rows = parsed.map((r) => columns.map((c) => r[c.name] as never));
      let tCopy = NaN;
      let tIndexed = NaN;
      if (!opts.constrainedCopyOnly && !opts.noCopy) {
        const t1 = performance.now();
        await copyRows(database.db, `bench_copy_${STORED_IN[table]}`, columns, rows);
        tCopy = performance.now() - t1;
        const t2 = performance.now();
        await copyRows(database.db, `bench_indexed_${STORED_IN[table]}`, columns, rows);
        tIndexed = performance.now() - t2;
      }
      let tConstrained = NaN;
      if (!opts.noCopy) {
        const t3 = performance.now();
        await copyRows(database.db, `bench_fk_${STORED_IN[table]}`, columns, rows);
        tConstrained = performance.now() - t3;
      }
      importMs += tImport;
      copyMs += tCopy;
      indexedMs += tIndexed;
      constrainedMs += tConstrained;
      const t = (byTable[table] ??= { rows: 0, importMs: 0, copyMs: 0, indexedMs: 0, constrainedMs: 0 });
      t.rows += list.length;
      t.importMs += tImport;
      t.copyMs += tCopy;
      t.indexedMs += tIndexed;
      t.constrainedMs += tConstrained;
      return result;
    },
  };
  let lastPrint = Date.now();
  const loaded = await loadSyntheticCustomers({ customers: container.customers, customersImport: timedImport }, {
    customers: opts.subscribers, seed: 1, chunk: opts.chunk,
    ...(opts.historyMonths !== undefined && { historyMonths: opts.historyMonths }),
    onProgress: (p) => {
      if (Date.now() - lastPrint < 30_000 && p.done < p.total) return;
      lastPrint = Date.now();
      console.log(`  ... ${int(p.done)}/${int(p.total)} subscribers, ${int(p.rows)} rows, ${f1(p.elapsedMs / 1000)}s (import ${f1(importMs / 1000)}s, copy ${secs(constrainedMs)})`);
    },
  });
  rss.endPhase('import');
  for (const stored of Object.values(STORED_IN)) await database.executeSql(`drop table bench_copy_${stored}; drop table bench_indexed_${stored}; drop table bench_fk_${stored}`);
  await database.executeSql('analyze');
  return { subscribers: opts.subscribers, rows: loaded.rows, importMs, copyMs, indexedMs, constrainedMs, totalMs: loaded.elapsedMs, byTable };
}

// ---------------------------------------------------------------------------------------------
// Server processes (JOBS=1) and the API

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Server {
  label: string;
  url: string;
  child: ChildProcess;
  /** What the server's scoring partitions reported (their job log lines' times), since the last take. */
  takePartitions(): PartitionTimes[];
  stop(): Promise<void>;
}

/** A partition's times as its job log line gives them (scoring-run.ts, describeTimes), in seconds. */
interface PartitionTimes {
  subscribers: number;
  wall: number;
  rows: number;
  predict: number;
  rank: number;
  reasons: number;
  reading: number;
  writing: number;
}

const PARTITION_LINE = /job ml-score-partition succeeded .*?([\d,]+) subscribers in ([\d.]+)s; worker: feature rows ([\d.]+)s, predict ([\d.]+)s, ranking ([\d.]+)s, reasons ([\d.]+)s; reading ([\d.]+)s \(beside the worker\), writing ([\d.]+)s/;

function partitionTimesOf(line: string): PartitionTimes | null {
  const m = PARTITION_LINE.exec(line);
  if (!m) return null;
  const [subscribers, wall, rows, predict, rank, reasons, reading, writing] = m.slice(1).map((x) => Number(x!.replaceAll(',', '')));
  return { subscribers: subscribers!, wall: wall!, rows: rows!, predict: predict!, rank: rank!, reasons: reasons!, reading: reading!, writing: writing! };
}

/** "where the time went" of one run: its partitions' times summed over every instance. */
function describePartitions(parts: PartitionTimes[], wallMs: number, instances: number): string {
  const sum = (k: keyof PartitionTimes) => parts.reduce((n, p) => n + p[k], 0);
  const worker = sum('rows') + sum('predict') + sum('rank') + sum('reasons');
  const s = (x: number) => `${f1(x)}s`;
  return `partitions=${parts.length} subscribers=${int(sum('subscribers'))} partition wall ${s(sum('wall'))} | scoring thread: feature rows ${s(sum('rows'))}, predict ${s(sum('predict'))}, ranking ${s(sum('rank'))}, reasons ${s(sum('reasons'))}`
    + ` = ${s(worker)}, busy ${f1((100 * worker) / (instances * wallMs / 1000))}% of the run's wall per instance | API thread: reading ${s(sum('reading'))} (beside the thread), writing ${s(sum('writing'))}`;
}

/** Every thread of the server, and those it starts later, on these cores alone (`0-1`: any of two). */
function pinToCores(server: Server, cores: string): void {
  execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cores, String(server.child.pid)], { stdio: 'ignore' });
}

async function startServer(label: string, db: BenchDb, rss: RssMonitor): Promise<Server> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env, PORT: String(port), HOST: '127.0.0.1', JOBS: '1', DEMO: '0', SIMULATORS: '0',
    // info: the scoring partitions' job lines say where their time went (the bench sums them).
    LOG_LEVEL: 'info',
    DATA_DIR: db.url ? path.join(db.dataDir, label) : path.join(db.dataDir, 'db'), LYRA_SECRET_KEY: SECRET_KEY,
  };
  delete env.DATABASE_URL;
  if (db.url) env.DATABASE_URL = db.url;
  // With `npm start`'s allocator settings and flags (scripts/start.mjs: large arrays mapped and
  // unmapped on free, which changes what scoring's allocations cost; --expose-gc for the heap release
  // after background jobs), from the sources through tsx rather than the compiled build (the same
  // code once compiled by V8).
  for (const [name, value] of Object.entries({ MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' })) env[name] ??= value;
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(ROOT, 'server/src/main.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  let partial = '';
  let partitions: PartitionTimes[] = [];
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  };
  child.stdout!.on('data', (d: Buffer) => {
    keep(d);
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const p = line.includes('ml-score-partition') ? partitionTimesOf(line) : null;
      if (p) partitions.push(p);
    }
  });
  child.stderr!.on('data', keep);
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (exited !== null) throw new Error(`server ${label} exited with ${exited} while starting:\n${log}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server ${label} did not answer /healthz within 180 s:\n${log}`);
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  rss.track(label, child.pid!);
  return {
    label, url, child,
    takePartitions() {
      const taken = partitions;
      partitions = [];
      return taken;
    },
    async stop() {
      rss.untrack(label);
      if (exited !== null) return;
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await done;
      clearTimeout(timer);
    },
  };
}

function api(base: string, token: string) {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  return async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${API}${p}`, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p} answered ${res.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  };
}

interface VersionAnswer {
  id: string;
  version: number;
  status: string;
  is_active?: boolean;
  error?: string | null;
}

/** A propensity version trained by the server's job runner on a sample, then made the active one. */
async function trainModel(server: Server, token: string, maxRows: number): Promise<{ version: number; ms: number }> {
  const call = api(server.url, token);
  const t0 = performance.now();
  const requested = await call<VersionAnswer>('POST', `/ml/models/${MODEL}/train/`, { params: { max_rows: maxRows } });
  for (;;) {
    const v = await call<VersionAnswer>('GET', `/ml/models/${MODEL}/versions/${requested.version}/`);
    if (v.status === 'failed') throw new Error(`training failed: ${v.error ?? ''}`);
    if (v.status === 'ready') {
      const ms = performance.now() - t0;
      if (!v.is_active) await call('POST', `/ml/models/${MODEL}/versions/${v.version}/activate/`);
      return { version: v.version, ms };
    }
    await sleep(1000);
  }
}

interface RunAnswer {
  id: string;
  status: string;
  total: number | null;
  scored: number | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  partitions_total?: number | null;
  partitions_done?: number | null;
}

interface ScoringFigures {
  layout: Layout;
  instances: number;
  runId: string;
  scored: number;
  wallMs: number;
  serverMs: number;
  listMs: number[];
  /** The same requests just before the run: what the machine's own load (other processes) gives. */
  idleMs: number[];
  partitions: PartitionTimes[];
  /**
   * CPU seconds over the run: the scoring servers' processes (and their threads, summed over servers),
   * PostgreSQL's processes, this bench, and the whole machine.
   */
  cpu: { servers: number; threads: { main: number; scoring: number; other: number }; postgres: number; bench: number; machine: number };
}

/** Product-list requests sampled while the machine is otherwise as it is, before a run. */
const IDLE_SAMPLES = 150;

/** One authenticated product-list request, timed. */
async function timeList(server: Server, token: string): Promise<number> {
  const s = performance.now();
  const res = await fetch(`${server.url}${API}/products/?limit=50`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`the product list answered ${res.status}`);
  return performance.now() - s;
}

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : NaN;
};

/** One scoring run requested through the API, the product list sampled (one client) until it ends. */
async function scoreOnce(servers: Server[], token: string, layout: Layout): Promise<ScoringFigures> {
  const call = api(servers[0]!.url, token);
  const idleMs: number[] = [];
  for (let i = 0; i < IDLE_SAMPLES; i++) {
    idleMs.push(await timeList(servers[i % servers.length]!, token));
    await sleep(100);
  }
  for (const s of servers) s.takePartitions();
  const cpuOfServers = () => servers.reduce((n, s) => n + (cpuSecondsOf(s.child.pid!) ?? 0), 0);
  const threads0 = servers.map((s) => threadCpuSeconds(s.child.pid!));
  const cpu0 = { servers: cpuOfServers(), postgres: postgresCpuSeconds(), bench: benchCpuSeconds(), machine: machineBusySeconds() };
  const t0 = performance.now();
  const run = await call<RunAnswer>('POST', `/ml/models/${MODEL}/score/`, {});
  let done: RunAnswer | null = null;
  const listMs: number[] = [];
  let samplerError: Error | null = null;
  const sampler = (async () => {
    let i = 0;
    while (!done) {
      listMs.push(await timeList(servers[i++ % servers.length]!, token));
      await sleep(100);
    }
  })().catch((err: unknown) => {
    samplerError = err as Error;
  });
  let lastPrint = Date.now();
  try {
    for (;;) {
      const r = await call<RunAnswer>('GET', `/ml/models/${MODEL}/scoring-runs/${run.id}/`);
      if (r.status === 'failed') throw new Error(`scoring run failed: ${r.error ?? ''}`);
      if (Date.now() - lastPrint > 60_000) {
        lastPrint = Date.now();
        console.log(`  ... ${servers.length} instance(s): ${r.status}, ${int(r.scored ?? 0)}/${int(r.total ?? 0)} scored, partitions ${r.partitions_done ?? '?'}/${r.partitions_total ?? '?'}, ${f1((performance.now() - t0) / 1000)}s`);
      }
      if (r.status === 'succeeded') {
        done = r;
        break;
      }
      await sleep(250);
    }
  } finally {
    done ??= run;
    await sampler;
  }
  if (samplerError) throw samplerError;
  const wallMs = performance.now() - t0;
  const threads = { main: 0, scoring: 0, other: 0 };
  servers.forEach((s, i) => {
    const split = threadSplit(s.child.pid!, threads0[i]!);
    threads.main += split.main;
    threads.scoring += split.scoring;
    threads.other += split.other;
  });
  const cpu = {
    threads,
    servers: cpuOfServers() - cpu0.servers, postgres: postgresCpuSeconds() - cpu0.postgres, bench: benchCpuSeconds() - cpu0.bench, machine: machineBusySeconds() - cpu0.machine,
  };
  const serverMs = Date.parse(done.finished_at!) - Date.parse(done.created_at);
  // The last partition's log line follows its run's end (it refreshes the scores' statistics first).
  const partitions: PartitionTimes[] = [];
  const scored = done.scored ?? 0;
  for (const until = Date.now() + 30_000; Date.now() < until; await sleep(250)) {
    partitions.push(...servers.flatMap((s) => s.takePartitions()));
    if (partitions.reduce((n, p) => n + p.subscribers, 0) >= scored) break;
  }
  return { layout, instances: servers.length, runId: run.id, scored, wallMs, serverMs, listMs, idleMs, partitions, cpu };
}

// ---------------------------------------------------------------------------------------------
// XGBoost on the same pair matrix

interface PairFigures {
  /** Products on sale (the pool the candidates are pruned from). */
  pool: number;
  /** Mean candidates per subscriber in the sample. */
  pairsPerSubscriber: number;
  pairRows: number;
  features: number;
  lyraComputeRate: number;
  /** Pages of these subscribers scored as the scoring thread does, by a worker thread alone and by each of two at once (ms a round). */
  sideBySide: { pages: number; alone: number; each: number };
  xgb: { rate: number; cpuRate: number; trees: number; trainRows: number; version: string; categorical: string } | null;
}

async function comparePairs(database: Database, opts: Options): Promise<PairFigures> {
  const features = createFeaturesRepository(database.db);
  const ml = createMlRepository(database.db);
  const active = await database.executeSql(`select id from ml_model_versions where model_name = $1 and is_active`, [MODEL]);
  const row = await ml.findVersionById(String(active.rows[0]!.id));
  if (!row) throw new Error('no active propensity version');
  const model: LoadedModel = loadModel(row);
  const today = new Date().toISOString().slice(0, 10);

  // The pair matrix: the first subscribers the run scored against their candidates as batch scoring
  // takes them (the availability rule, minus what they hold), rows built by the model's own builder.
  const sellable = await features.sellableProducts();
  const byId = new Map(sellable.map((p) => [p.id, p]));
  const ids = await features.scorableIdsAfter(today, { after: null, limit: opts.pairSubscribers, segment: null });
  const plans: { f: CustomerFacts; candidates: ProductInfo[] }[] = [];
  const pages: BatchPage[] = [];
  for (let i = 0; i < ids.length; i += SCORE_BATCH) {
    const page = ids.slice(i, i + SCORE_BATCH);
    const [facts, offerable, takers] = await Promise.all([features.customerFacts(page, today), features.offerableProductIds(page), features.offerTakers(page)]);
    if (pages.length < SIDE_BY_SIDE_PAGES) pages.push({ facts, bills: null, takers });
    for (const f of facts) {
      const held = new Set(f.held.map((h) => h.productId));
      plans.push({ f, candidates: (offerable.get(f.id) ?? []).filter((id) => !held.has(id)).map((id) => byId.get(id)).filter((p): p is ProductInfo => p !== undefined) });
    }
  }
  const pairRows = plans.reduce((n, p) => n + p.candidates.length, 0);
  const builder = model.rowsBuilder(pairRows);
  for (const { f, candidates } of plans) {
    const base = customerRow(f, model.pre);
    for (const p of candidates) model.addRow(builder, [base, productRow(f, p)]);
  }
  const pairs = builder.columns();
  const defs = builder.defs;
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    model.scoreColumns(pairs);
    best = Math.min(best, performance.now() - t);
  }
  // The rows are not written anywhere: the run is only what scoreBatch reads.
  const run: BatchRun = {
    runId: '00000000-0000-0000-0000-000000000000', scoredAt: new Date().toISOString(), campaignId: null, sellable, offerable: await features.sellableNowForRule(), offer: null, psiCuts: null, psiSampleRate: 0,
  };
  const sideBySide = { pages: pages.length, ...(await scoringSideBySide(row, run, pages)) };
  const figures: PairFigures = { pool: sellable.length, pairsPerSubscriber: pairRows / Math.max(1, ids.length), pairRows, features: defs.length, lyraComputeRate: pairRows / (best / 1000), sideBySide, xgb: null };
  if (!hasXgboost()) return figures;

  // XGBoost's model: the same training rows the version learnt from (same snapshot, seed and row cap).
  const hp = row.hyperParameters as { window_days?: number; max_rows?: number; maxDepth?: number; learningRate?: number; lambda?: number; minChildWeight?: number };
  const snap = row.dataSnapshot as { snapshot_date: string };
  const set = await buildTrainingSet(features, MODEL_SPECS[MODEL], snap.snapshot_date, {
    windowDays: hp.window_days ?? MODEL_SPECS[MODEL].windowDays, maxRows: hp.max_rows ?? opts.maxRows, seed: row.seed, onProgress: () => undefined,
  });
  const p = model.gbdt.toJSON().params;
  const x = xgbOnPairs({
    train: set.columns, label: set.label, pairs, trainThreads: 2,
    trees: model.gbdt.toJSON().trees.length, depth: p.maxDepth, eta: p.learningRate, lambda: p.lambda, minChildWeight: p.minChildWeight,
  });
  figures.xgb = { rate: x.predictRows / x.predictSeconds, cpuRate: x.predictRows / x.predictCpuSeconds, trees: x.trees, trainRows: x.trainRows, version: x.version, categorical: x.categorical };
  return figures;
}

// ---------------------------------------------------------------------------------------------

export async function run(args: string[]): Promise<void> {
  const opts = options(args);
  const rss = new RssMonitor();
  const db = await benchDb(opts.databaseUrl, opts);
  const servers: Server[] = [];
  const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`scale: ${int(opts.subscribers)} subscribers, ${opts.offers} offers, ${db.kind}${db.url ? ` (database ${new URL(db.url).pathname.slice(1)})` : ''}; load average ${load()}`);
  let database: Database | null = await db.open();
  try {
    await runMigrations(database);
    const container = createContainer(database, { sessionTtlHours: 24 });
    let imp: ImportFigures | null = null;
    if (opts.reuse) {
      opts.subscribers = Number((await database.executeSql('select count(*)::int as n from customers')).rows[0]!.n);
      console.log(`scale: reusing a kept database: ${int(opts.subscribers)} subscribers, no import`);
    } else {
      // The offer catalog, straight into the table (the sync is another benchmark's subject).
      await createProductsRepository(database.db).insertMany(syntheticProducts(opts.offers, 12));
      rss.endPhase('setup');

      // 1. Import beside COPY
      imp = await importSubscribers(database, container, opts, rss);
      for (const [table, t] of Object.entries(imp.byTable)) {
        console.log(`  ${table.padEnd(10)} rows=${int(t.rows).padStart(12)} import=${f1(t.importMs / 1000)}s copy=${secs(t.constrainedMs)} ratio=${f2(t.importMs / t.constrainedMs)} | copy into plain tables=${secs(t.copyMs)} (import/that=${f2(t.importMs / t.copyMs)}), with keys and indexes but no foreign keys=${secs(t.indexedMs)}`);
      }
      console.log(`scale.import subscribers=${int(imp.subscribers)} rows=${int(imp.rows)} import=${f1(imp.importMs / 1000)}s copy=${secs(imp.constrainedMs)} ratio=${f2(imp.importMs / imp.constrainedMs)} (target <= 2; COPY into tables of Lyra's schema: keys, indexes, foreign keys)`
        + ` | copy into plain tables (no keys, no indexes) ${secs(imp.copyMs)} (import/that=${f2(imp.importMs / imp.copyMs)}), with keys and indexes but no foreign keys ${secs(imp.indexedMs)} (import/that=${f2(imp.importMs / imp.indexedMs)}) | generation+import+copies ${f1(imp.totalMs / 1000)}s | ${int(imp.subscribers / (imp.importMs / 1000))} subscribers/s imported | load ${load()}`);
      if (!opts.phases.has('score')) return;
      await container.users.create(SYSTEM_ACTOR, { email: USER.email, name: 'Scale bench', password: USER.password, role: 'admin', is_active: true });
    }
    const { token } = await container.auth.login(USER.email, USER.password, null, 'bench');
    // A kept database's active version scores again: the same trees, so runs compare.
    const active = opts.reuse
      ? (await database.executeSql(`select version from ml_model_versions where model_name = $1 and is_active`, [MODEL])).rows[0]
      : undefined;
    if (db.kind === 'pglite') {
      // PGlite belongs to one process: the server opens it now.
      await database.close();
      database = null;
    }

    // 2 + 3. Training, then scoring by one and two instances, the product list sampled meanwhile
    const runs: ScoringFigures[] = [];
    servers.push(await startServer('server1', db, rss));
    if (active) console.log(`scale.train propensity v${String(active.version)}, the kept database's active version`);
    else {
      const trained = await trainModel(servers[0]!, token, opts.maxRows);
      console.log(`scale.train propensity v${trained.version} trained on a sample (max_rows=${int(opts.maxRows)}) in ${f1(trained.ms / 1000)}s and active`);
      rss.endPhase('train');
    }
    const everyCore = `0-${availableParallelism() - 1}`;
    for (const layout of opts.layouts) {
      for (const n of opts.instances) {
        if (n > 1 && db.kind === 'pglite') {
          console.log(`scale.score instances=${n} skipped: PGlite is one process's database`);
          continue;
        }
        // A server left from the layout before would take partitions too (every server works jobs): only n run.
        while (servers.length > n) await servers.pop()!.stop();
        while (servers.length < n) servers.push(await startServer(`server${servers.length + 1}`, db, rss));
        servers.forEach((s, k) => pinToCores(s, layout === 'pinned' ? String(k % availableParallelism()) : everyCore));
        const r = await scoreOnce(servers.slice(0, n), token, layout);
        runs.push(r);
        // At once (the pair figures follow once the servers are stopped): a long run shows what it measured so far.
        console.log(`  scored by ${n} instance(s) ${LAYOUT_LABEL[layout]}: ${int(r.scored)} subscribers in ${f1(r.wallMs / 1000)}s = ${int(r.scored / (r.wallMs / 1000))} subscribers/s; product list during the run p99=${f1(pct(r.listMs, 0.99))}ms (n=${r.listMs.length}); load ${load()}`);
        rss.endPhase(`score-${n}${layout === 'pinned' ? '-pinned' : ''}`);
      }
    }
    for (const s of servers.splice(0)) await s.stop();

    // XGBoost on the same pairs (after the servers stopped: the CPU is the scorers' alone)
    database ??= await db.open();
    const pairs = await comparePairs(database, opts);
    rss.endPhase('xgboost');
    const candidates = pairs.pairsPerSubscriber;
    for (const r of runs) {
      const one = runs.find((o) => o.instances === 1 && o.layout === r.layout);
      const pairRate = (r.scored * candidates) / (r.wallMs / 1000);
      const tag = `instances=${r.instances} layout=${r.layout}`;
      let line = `scale.score ${tag} (${LAYOUT_LABEL[r.layout]}) subscribers=${int(r.scored)} candidates/subscriber=${f1(candidates)} (sample mean, of ${pairs.pool} on sale) wall=${f1(r.wallMs / 1000)}s (run created->finished ${f1(r.serverMs / 1000)}s) ${int(r.scored / (r.wallMs / 1000))} subscribers/s ${int(pairRate)} pairs/s`;
      if (pairs.xgb) line += ` | xgboost(1t) ${int(pairs.xgb.rate)} pairs/s ratio=${f2(pairRate / pairs.xgb.rate)} (target >= 0.8)`;
      if (one && r.instances > 1) {
        // What the machine allows: a run takes about the same CPU whatever the instances (scale.score.cpu), so N instances finish at best when all its cores are busy.
        const oneBusy = one.cpu.machine / (one.wallMs / 1000);
        line += ` | speed-up vs one=${f2(one.wallMs / r.wallMs)} (target >= 1.7; two scoring threads side by side on this machine each run at ${f2(pairs.sideBySide.alone / pairs.sideBySide.each)} x one alone: scale.machine;`
          + ` about ${f2(Math.min(r.instances, availableParallelism() / oneBusy))} at most here, as one instance's run keeps ${f2(oneBusy)} of the ${availableParallelism()} cores busy with its scoring thread, API thread, the database and this bench`
          + (r.layout === 'pinned'
            ? '; one instance had one core, as each of two had: instances on machines of their own, with PostgreSQL and this bench on either core in both runs)'
            : '; one instance could use both cores, which two instances share)');
      }
      console.log(line);
      console.log(`scale.score.stages ${tag} ${describePartitions(r.partitions, r.wallMs, r.instances)}`);
      const cores = (x: number) => f2(x / (r.wallMs / 1000));
      console.log(`scale.score.cpu ${tag} server processes ${f1(r.cpu.servers)}s (${cores(r.cpu.servers)} cores on average: scoring threads ${f1(r.cpu.threads.scoring)}s, main threads ${f1(r.cpu.threads.main)}s, other threads ${f1(r.cpu.threads.other)}s), whole machine ${f1(r.cpu.machine)}s (${cores(r.cpu.machine)} of ${availableParallelism()} cores)`
        + ` = servers + PostgreSQL's processes ${f1(r.cpu.postgres)}s + this bench ${f1(r.cpu.bench)}s + the rest ${f1(r.cpu.machine - r.cpu.servers - r.cpu.postgres - r.cpu.bench)}s (the kernel, anything else running)`
        + (one && r.instances > 1 ? `; the same subscribers took ${f2(r.cpu.machine / one.cpu.machine)} x the machine's CPU of one instance's run` : ''));
      console.log(`scale.api.during-scoring ${tag} GET /products/ n=${r.listMs.length} p50=${f1(pct(r.listMs, 0.5))}ms p99=${f1(pct(r.listMs, 0.99))}ms max=${f1(Math.max(...r.listMs))}ms (target p99 < 100ms on PostgreSQL)`
        + ` | before the run, same requests: n=${r.idleMs.length} p50=${f1(pct(r.idleMs, 0.5))}ms p99=${f1(pct(r.idleMs, 0.99))}ms max=${f1(Math.max(...r.idleMs))}ms`);
    }
    const side = pairs.sideBySide;
    console.log(`scale.machine ${side.pages} pages of ${SCORE_BATCH} of these subscribers scored as the scoring thread does (feature rows, trees, ranking, reasons), in worker threads: one alone ${f1(side.alone)} ms a round;`
      + ` two at once ${f1(side.each)} ms each = ${f2(side.alone / side.each)} x the speed alone (the ${availableParallelism()} cores share caches and memory bandwidth: what two instances' scoring threads lose beside each other on this machine, whatever else runs)`);
    console.log(`scale.pairs matrix ${int(pairs.pairRows)} rows x ${pairs.features} features (${int(opts.pairSubscribers)} subscribers x ${f1(candidates)} candidates of ${pairs.pool} on sale): lyra predict alone (1 thread, this process, one pass as batch scoring) ${int(pairs.lyraComputeRate)} rows/s`
      + (pairs.xgb ? ` | xgboost ${pairs.xgb.version} (1t, ${pairs.xgb.trees} trees as ours, trained on the same ${int(pairs.xgb.trainRows)} rows, ${pairs.xgb.categorical}) ${int(pairs.xgb.rate)} rows/s (cpu ${int(pairs.xgb.cpuRate)}) | lyra predict alone / xgboost=${f2(pairs.lyraComputeRate / pairs.xgb.rate)}` : ' | XGBoost not available in /usr/bin/python3, so no ratio (Debian: apt-get install python3-xgboost)'));

    // 4. The campaigns benchmark's audience preview on these subscribers and the last run's scores
    const last = runs.at(-1);
    if (last) {
      const riskRun = await insertRiskScores(database);
      const top = await database.executeSql(`select product_id from ml_scores where run_id = $1 and product_id is not null group by product_id order by count(*) filter (where score >= 0.4) desc, count(*) desc limit 1`, [last.runId]);
      await database.executeSql('analyze');
      const preview = await benchAudiencePreview(database, { offer: String(top.rows[0]!.product_id), propensityRun: last.runId, riskRun, runs: opts.runs, label: 'scale.audience' });
      console.log(`scale.audience.preview subscribers=${int(opts.subscribers)} audience=${int(preview.audience)} preview p95=${int(preview.previewP95)}ms preview/hand=${f2(preview.previewP95 / preview.handP95)} (target <= 1.5) | funnel alone/hand=${f2(preview.compiledP95 / preview.handP95)}`);
      rss.endPhase('audience');
    }

    // 5. Projections at the measured rates
    const importRate = imp ? imp.subscribers / (imp.importMs / 1000) : undefined;
    for (const layout of opts.layouts) {
      const rate = new Map(runs.filter((r) => r.layout === layout).map((r) => [r.instances, r.scored / (r.wallMs / 1000)]));
      const r1 = rate.get(1);
      const r2 = rate.get(2);
      if (!r1 && !r2) continue;
      // Four instances: the measured two-instance speed-up applied once more (no measurement of four, nor of it without one).
      const r4 = r1 && r2 ? r2 * (r2 / r1) : undefined;
      for (const target of [10_000_000, 20_000_000]) {
        const h = (r: number | undefined) => (r ? `${f1(target / r / 3600)}h` : 'n/a');
        console.log(`scale.projection subscribers=${int(target)} layout=${layout} scoring: 1 instance ${h(r1)}, 2 instances ${h(r2)}, 4 instances ${h(r4)} (speed-up per doubling as measured) | import (one process) ${h(importRate)}`);
      }
    }
    console.log(`scale: load average at the end ${load()}`);
  } finally {
    for (const s of servers) await s.stop().catch(() => undefined);
    await database?.close();
    await db.dispose();
    rss.stop();
  }
}

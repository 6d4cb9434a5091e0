import type { SyncStopReason } from '@lyra/contracts';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { HttpClient } from '../../lib/http-client.js';
import { Redactor, describeUpstreamError } from '../../lib/upstream-errors.js';
import type { LogFn } from '../../lib/log.js';
import type { SecretBox } from '../../lib/secrets.js';
import type { CategoryTypeMap } from './connectors/common.js';
import type { ConnectorRegistry } from './connectors/registry.js';
import type { Connector, ConnectorConfig, ConnectorPage, MappedProduct, ReadResult, SourceItem, SyncMode, SystemType } from './connectors/types.js';
import { contentHash } from './content-hash.js';
import type { ExternalSystemRow, ExternalSystemsRepository } from './external-systems.repository.js';
import type { SourceColumns, SourceWrite, SyncedProductState, SyncProductsRepository } from './sync-products.repository.js';
import { laterCursor, RunTally, type ItemOutcome } from './sync-run-tally.js';
import type { CatalogChangeRow, NewSyncRunRow, SyncRunRow, SyncRunsRepository } from './sync-runs.repository.js';

/** Incremental reads start this far before the cursor; re-reading is idempotent, missing is not. */
const CURSOR_LOOKBACK_MS = 5 * 60_000;
const DEFAULT_RUN_BUDGET_MS = 2 * 3600_000;
const HEARTBEAT_MS = 5_000;
const RETIRE_BATCH = 500;
/**
 * Items (records and unreadable ones) a write batch collects before it is written: one transaction
 * of this size costs about what a plain COPY of its rows does, while per-batch costs (staging table,
 * look-up, progress) dominate at a hundred rows.
 */
const WRITE_BATCH = 1000;
/**
 * A slow source's pages are written as they come once the last write is this old: the run's
 * progress keeps moving and a failure loses little. A fast source fills a batch well within it.
 */
const WRITE_INTERVAL_MS = 500;

export interface SyncEngineDeps {
  runs: Pick<SyncRunsRepository, 'claim' | 'findById' | 'update' | 'isCancelRequested' | 'lastSucceededStart'>;
  systems: Pick<ExternalSystemsRepository, 'findById' | 'update'>;
  syncProducts: Pick<SyncProductsRepository, 'countLive' | 'liveExternalIds' | 'refreshStatistics'>;
  /** Each batch of products (written or retired) commits together with its catalog changes. */
  uow: UnitOfWork<{ syncProducts: Pick<SyncProductsRepository, 'findStates' | 'insertSource' | 'upsertSource' | 'retire'>; runs: Pick<SyncRunsRepository, 'insertChanges'> }>;
  connectors: ConnectorRegistry;
  secrets: SecretBox;
  /** Identifies this process in sync_runs.owner. */
  owner: string;
  bumpCatalogVersion: () => Promise<void>;
  log?: LogFn;
  /** Fast retries in tests. */
  httpOverrides?: { backoffBaseMs?: number; backoffMaxMs?: number; budgetMs?: number };
}

/** Why a full sync did not sweep: shown on the run, which ends partially succeeded. */
type Stop = { reason: SyncStopReason; message: string };

/** One run as it executes: its rows, its abort signal, what it did so far, and a log that masks the system's secrets. */
interface RunContext {
  readonly run: SyncRunRow;
  readonly system: ExternalSystemRow;
  readonly abort: AbortController;
  readonly tally: RunTally;
  /** The system's secrets, known once the connector exists: masked in everything this run stores or logs. */
  redactor: Redactor;
  readonly log: LogFn;
}

function toSourceColumns(item: SourceItem, hash: string): SourceColumns {
  const p: MappedProduct = item.product;
  return {
    name: p.name,
    description: p.description,
    productType: p.product_type,
    category: p.category,
    price: p.price,
    currency: p.currency,
    recurring: p.recurring,
    billingCycle: p.billing_cycle,
    features: p.features,
    attributes: p.attributes,
    isActive: p.is_active,
    sourceIsAvailable: p.is_available,
    validFrom: p.valid_from,
    validTo: p.valid_to,
    sourceVersion: item.version,
    sourceUpdatedAt: item.updatedAt,
    contentHash: hash,
  };
}

class CancelledError extends Error {}

/** Executes one sync run end to end; see ../../../../shared/docs/sync.md for what "correct" means. */
export function createSyncEngine(deps: SyncEngineDeps) {
  const { runs, systems, syncProducts, uow } = deps;
  const baseLog: LogFn = deps.log ?? (() => undefined);

  function connectorConfig(system: ExternalSystemRow): ConnectorConfig {
    return {
      systemType: system.systemType as SystemType,
      baseUrl: system.baseUrl,
      apiVersion: system.apiVersion,
      auth: {
        type: system.authType as ConnectorConfig['auth']['type'],
        username: system.authUsername,
        secret: system.authSecretEnc ? deps.secrets.decrypt(system.authSecretEnc) : null,
        headerName: system.authHeaderName,
        tokenUrl: system.authTokenUrl,
      },
      defaultCurrency: system.defaultCurrency,
      categoryTypeMap: system.categoryTypeMap as CategoryTypeMap,
      options: system.options,
    };
  }

  function httpClientFor(system: ExternalSystemRow, signal: AbortSignal, redactor: Redactor): HttpClient {
    return new HttpClient(system.baseUrl, {
      redactor,
      timeoutMs: system.timeoutMs,
      maxRetries: system.maxRetries,
      rateLimitPerMinute: system.rateLimitPerMinute,
      budgetMs: deps.httpOverrides?.budgetMs ?? Number(system.options.run_budget_ms ?? DEFAULT_RUN_BUDGET_MS),
      signal,
      ...(deps.httpOverrides?.backoffBaseMs !== undefined && { backoffBaseMs: deps.httpOverrides.backoffBaseMs }),
      ...(deps.httpOverrides?.backoffMaxMs !== undefined && { backoffMaxMs: deps.httpOverrides.backoffMaxMs }),
    });
  }

  /**
   * Creates a connector for a system (also used by "test connection"). `http.redactor` knows the
   * system's secret in the forms it travels in (as is, inside Basic credentials as password or as
   * an API key in the user place) and learns the tokens the connector obtains.
   */
  function connectorFor(system: ExternalSystemRow, signal: AbortSignal) {
    const config = connectorConfig(system);
    const { username, secret } = config.auth;
    const redactor = new Redactor().add(secret).addBasic(username, secret).addBasic(secret, '');
    const http = httpClientFor(system, signal, redactor);
    return { connector: deps.connectors.create(config, http), http };
  }

  async function execute(runId: string): Promise<SyncRunRow | undefined> {
    const ctx = await claimRun(runId);
    if (!ctx) return undefined;
    const stopHeartbeat = startHeartbeat(ctx);
    try {
      await runToEnd(ctx);
    } catch (err) {
      await recordFailure(ctx, err);
    } finally {
      stopHeartbeat();
    }
    return (await runs.findById(runId)) ?? undefined;
  }

  /** queued -> running for this process, with the system it syncs; undefined when another worker took it or the system is gone. */
  async function claimRun(runId: string): Promise<RunContext | undefined> {
    const run = await runs.claim(runId, deps.owner);
    if (!run) return undefined; // already taken, finished or cancelled
    const system = await systems.findById(run.externalSystemId);
    if (!system) {
      await runs.update(runId, { status: 'failed', finishedAt: new Date().toISOString(), error: 'external system was deleted' });
      return undefined;
    }
    const ctx: RunContext = {
      run, system, abort: new AbortController(), tally: new RunTally(), redactor: new Redactor(),
      log: (msg, extra, level) => baseLog(ctx.redactor.mask(msg), extra && ctx.redactor.maskDeep(extra), level),
    };
    return ctx;
  }

  /** Tells other instances the run is alive, and stops it when a user asked, even while a page is slow to come. */
  function startHeartbeat(ctx: RunContext): () => void {
    const timer = setInterval(() => {
      void runs.isCancelRequested(ctx.run.id).then((c) => c && ctx.abort.abort(new CancelledError('cancelled by a user')), () => undefined);
      void runs.update(ctx.run.id, { heartbeatAt: new Date().toISOString() }).catch(() => undefined);
    }, HEARTBEAT_MS);
    return () => clearInterval(timer);
  }

  async function runToEnd(ctx: RunContext): Promise<void> {
    const { connector, http } = connectorFor(ctx.system, ctx.abort.signal);
    ctx.redactor = http.redactor;
    // An incremental run of a system that never synced has nowhere to resume from.
    const mode: SyncMode = ctx.run.requestedMode === 'incremental' && ctx.system.cursor ? 'incremental' : 'full';
    await runs.update(ctx.run.id, { mode, cursorBefore: ctx.system.cursor });
    ctx.log('sync started', { runId: ctx.run.id, system: ctx.system.name, mode });
    // What the catalog held before this run: the yardstick for a snapshot that comes back small.
    const heldBefore = await syncProducts.countLive(ctx.system.id);
    const result = await readAndWrite(ctx, connector, mode);
    const stop = await sweep(ctx, result, heldBefore);
    await finish(ctx, result, stop, http.stats);
  }

  /**
   * Reads the source page by page and writes the pages in batches of about WRITE_BATCH items (a
   * source may serve small pages; a transaction per small page costs more than its rows), or what
   * is held when the last write is WRITE_INTERVAL_MS old (a slow source). Progress
   * is saved after each batch is committed, so what the run row says was read is written; pages
   * held for a batch when the run fails or is cancelled are neither written nor counted (the next
   * run reads them again). A cancellation stops the run between pages.
   */
  async function readAndWrite(ctx: RunContext, connector: Connector, mode: SyncMode): Promise<ReadResult> {
    const { run, system, abort } = ctx;
    const lastRunStartedAt = await runs.lastSucceededStart(system.id);
    const reader = connector.read({
      mode, cursor: system.cursor ?? null, lookbackMs: CURSOR_LOOKBACK_MS, lastRunStartedAt, signal: abort.signal,
      log: (m, level) => ctx.log(m, { runId: run.id }, level),
    });
    let held: ConnectorPage[] = [];
    let heldItems = 0;
    let lastWrite = Date.now();
    const flush = async () => {
      const pages = held;
      held = [];
      heldItems = 0;
      await takePages(ctx, pages);
      lastWrite = Date.now();
      if (await runs.isCancelRequested(run.id)) abort.abort(new CancelledError('cancelled by a user'));
      if (abort.signal.aborted) throw abort.signal.reason;
      await saveProgress(ctx);
    };
    let step = await reader.next();
    while (!step.done) {
      // The next page is requested while this one is taken (and a batch written): the source's
      // latency and the database's writes overlap instead of adding up. Batches are still written
      // in order, one at a time, and a failed write or a cancellation leaves the prefetched page unwritten.
      const next = reader.next();
      next.catch(() => undefined); // awaited below; a failure while a batch is written must not surface as unhandled
      try {
        held.push(step.value);
        heldItems += step.value.items.length + step.value.errors.length;
        if (heldItems >= WRITE_BATCH || Date.now() - lastWrite >= WRITE_INTERVAL_MS) await flush();
        else if (abort.signal.aborted) throw abort.signal.reason;
      } catch (err) {
        // Stop the reader's request in flight (it would otherwise run on after the run failed).
        if (!abort.signal.aborted) abort.abort(err);
        await next.catch(() => undefined);
        throw err;
      }
      step = await next;
    }
    // The last batch, before the sweep reads what was seen.
    if (held.length) await flush();
    return step.value;
  }

  /** Notes the pages as read and writes their records as one batch (a record on two pages: the later page's content). */
  async function takePages(ctx: RunContext, pages: ConnectorPage[]): Promise<void> {
    const positions = new Map<string, number>();
    const items: SourceItem[] = [];
    for (const page of pages) {
      ctx.tally.notePage(page, ctx.redactor);
      for (const it of page.items) {
        positions.set(it.externalId, page.read);
        items.push(it);
      }
    }
    const fresh = freshItems(ctx.tally, items);
    if (fresh.length === 0) return;
    try {
      for (const [id, o] of await writeBatch(ctx, fresh)) ctx.tally.outcomes.set(id, o);
    } catch (err) {
      // Isolate the bad row: retry one by one so one unwritable record does not sink the batch.
      ctx.log('batch write failed; retrying item by item', { error: (err as Error).message }, 'warn');
      for (const it of fresh) await writeAlone(ctx, it, positions.get(it.externalId) ?? ctx.tally.itemsRead);
    }
    // The next batch's look-up is planned on these statistics (see refreshStatistics).
    await syncProducts.refreshStatistics(fresh.length);
  }

  /**
   * The batch's records not yet written with this content in this run (offset paging may serve one
   * twice, and a page may repeat an id: the last one read wins), their content noted as written.
   */
  function freshItems(tally: RunTally, items: SourceItem[]): SourceItem[] {
    const unique = new Map<string, SourceItem>();
    for (const it of items) unique.set(it.externalId, it);
    const fresh: SourceItem[] = [];
    for (const it of unique.values()) {
      const hash = contentHash(it.product);
      if (tally.hashes.get(it.externalId) === hash) continue;
      tally.hashes.set(it.externalId, hash);
      fresh.push(it);
    }
    return fresh;
  }

  async function writeAlone(ctx: RunContext, item: SourceItem, position: number): Promise<void> {
    const { tally } = ctx;
    try {
      for (const [id, o] of await writeBatch(ctx, [item])) tally.outcomes.set(id, o);
    } catch (e) {
      tally.counts.failed++;
      tally.hashes.delete(item.externalId);
      tally.recordError({ externalId: item.externalId, position, reason: `could not be written: ${(e as Error).message.slice(0, 300)}` }, ctx.redactor);
    }
  }

  /**
   * One transaction: new rows COPYed into products, changed rows written together in one set-based
   * upsert (re-pricings and reactivations recorded), unchanged rows untouched.
   */
  function writeBatch(ctx: RunContext, batch: SourceItem[]): Promise<Map<string, ItemOutcome>> {
    const { run, system, tally } = ctx;
    return uow.transaction(async (tx) => {
      const states = new Map((await tx.syncProducts.findStates(system.id, batch.map((i) => i.externalId))).map((s) => [s.externalProductId, s]));
      const inserts: SourceWrite[] = [];
      const updates: SourceWrite[] = [];
      const changes: CatalogChangeRow[] = [];
      const now = new Date().toISOString();
      const result = new Map<string, ItemOutcome>();
      for (const it of batch) {
        const cols = toSourceColumns(it, tally.hashes.get(it.externalId)!);
        const st: SyncedProductState | undefined = states.get(it.externalId);
        if (!st) {
          // Stored with the system's type as `external_system` (the API names the type); the
          // product's identity is the system's id, since several systems of one type may share source ids.
          inserts.push({ ...cols, externalProductId: it.externalId, lastSynced: now });
          result.set(it.externalId, 'created');
          continue;
        }
        if (st.contentHash === cols.contentHash && !st.retiredAt) {
          result.set(it.externalId, tally.outcomes.get(it.externalId) ?? 'unchanged');
          continue;
        }
        updates.push({ ...cols, externalProductId: it.externalId, lastSynced: now });
        result.set(it.externalId, tally.outcomes.get(it.externalId) === 'created' ? 'created' : 'updated');
        const change = changeOf(st, cols);
        if (change) changes.push({ ...change, productId: st.id, externalSystemId: system.id, syncRunId: run.id });
      }
      await tx.syncProducts.insertSource(system, inserts);
      await tx.syncProducts.upsertSource(system, updates);
      await tx.runs.insertChanges(changes);
      return result;
    });
  }

  /** What campaigns must hear of an updated product: it came back, or its price moved. */
  function changeOf(st: SyncedProductState, cols: SourceColumns): Pick<CatalogChangeRow, 'changeType' | 'before' | 'after'> | null {
    if (st.retiredAt) return { changeType: 'reactivated', before: { retired_at: st.retiredAt }, after: { price: cols.price, currency: cols.currency } };
    if (st.price !== cols.price || st.currency !== cols.currency) {
      return { changeType: 'price_changed', before: { price: st.price, currency: st.currency }, after: { price: cols.price, currency: cols.currency } };
    }
    return null;
  }

  /**
   * Retires what left the source: explicit deletions always (the source is authoritative), missing
   * products only after a complete full snapshot that passes the guards. Returns why it stopped short.
   */
  async function sweep(ctx: RunContext, result: ReadResult, heldBefore: number): Promise<Stop | null> {
    const { run, system, tally } = ctx;
    if (result.deletedIds.length) {
      const live = new Map((await syncProducts.liveExternalIds(system.id)).map((r) => [r.externalProductId, r.id]));
      const ids = result.deletedIds.filter((x) => !tally.seen.has(x)).map((x) => live.get(x)).filter((x): x is string => !!x);
      tally.counts.retired += await retire(ctx, ids, 'deleted at source');
    }
    if (result.mode !== 'full') return null;
    if (!result.completeSnapshot) {
      return {
        reason: 'incomplete_snapshot',
        message: `Incomplete snapshot: ${result.incompleteReason ?? 'the source listing did not finish'}. Nothing was retired and this does not count as a full sync; the next full sync tries again.`,
      };
    }
    return shortSnapshot(tally.itemsRead, tally.itemsTotal, system.retireGuardPercent, run.force) ?? (await retireMissing(ctx, heldBefore));
  }

  /** The retire guard: a complete snapshot that would retire too much of the catalog retires nothing unless forced. */
  async function retireMissing(ctx: RunContext, heldBefore: number): Promise<Stop | null> {
    const { run, system, tally } = ctx;
    const live = await syncProducts.liveExternalIds(system.id);
    const missing = live.filter((r) => !tally.seen.has(r.externalProductId)).map((r) => r.id);
    // The share of what the catalog held before the run, so products this run created do not
    // dilute it. A snapshot that read fewer items than were held, by more than the limit,
    // always trips it: every held product it did not read is missing.
    const held = Math.max(heldBefore, 1);
    const share = (missing.length / held) * 100;
    if (missing.length && share > system.retireGuardPercent && !run.force) {
      return {
        reason: 'retire_guard',
        message: `Retire guard: this full sync would retire ${missing.length} of ${held} ${system.name} products (${share.toFixed(1)}%, limit ${system.retireGuardPercent}%). Nothing was retired; if the source really dropped them, run a full sync with force.`,
      };
    }
    tally.counts.retired += await retire(ctx, missing, 'missing from a complete full sync');
    return null;
  }

  /** Retires in batches, each with its catalog changes in one transaction. */
  async function retire(ctx: RunContext, ids: string[], reason: string): Promise<number> {
    const { run, system } = ctx;
    let n = 0;
    for (let i = 0; i < ids.length; i += RETIRE_BATCH) {
      await uow.transaction(async (tx) => {
        const retired = await tx.syncProducts.retire(ids.slice(i, i + RETIRE_BATCH), reason);
        n += retired.length;
        await tx.runs.insertChanges(retired.map((r) => ({
          productId: r.id, externalSystemId: system.id, syncRunId: run.id, changeType: 'retired',
          before: { price: r.price, currency: r.currency, name: r.name }, after: { reason },
        })));
      });
    }
    return n;
  }

  /** Moves the system's cursor and schedule counters, then records the run's outcome. */
  async function finish(ctx: RunContext, result: ReadResult, stop: Stop | null, httpStats: HttpClient['stats']): Promise<void> {
    const { run, system, tally } = ctx;
    // The cursor moves only now, after every page is committed, and to the data's own stamps.
    const cursorAfter = laterCursor(system.cursor ?? null, tally.maxCursor);
    const finishedAt = new Date().toISOString();
    // A full sync is done only when its sweep ran: one stopped short stays due.
    const fullDone = result.mode === 'full' && result.completeSnapshot && !stop;
    await systems.update(system.id, {
      cursor: cursorAfter,
      lastRunAt: finishedAt,
      lastSuccessAt: finishedAt,
      ...(fullDone ? { lastFullSyncAt: finishedAt, runsSinceFull: 0 } : { runsSinceFull: system.runsSinceFull + 1 }),
    });
    const counts = tally.totals();
    const status = stop || counts.skipped > 0 || counts.failed > 0 ? 'partially_succeeded' : 'succeeded';
    const fallback = result.needsFullSync ? `Incremental sync was not possible (${result.needsFullSync}); ran a full scan.` : null;
    const error = stop ? (fallback ? `${stop.message} ${fallback}` : stop.message) : fallback;
    await saveProgress(ctx, { status, stopReason: stop?.reason ?? null, mode: result.mode, finishedAt, error, cursorAfter, httpStats });
    await deps.bumpCatalogVersion();
    ctx.log(stop ? `sync stopped short (${stop.reason})` : 'sync finished', { runId: run.id, system: system.name, status, counts, ...(stop && { error: stop.message }) }, stop ? 'warn' : 'info');
  }

  /** A run that threw: cancelled by a user, or failed (the upstream's failure said without its secrets). What was committed stays. */
  async function recordFailure(ctx: RunContext, err: unknown): Promise<void> {
    const { run, system, abort } = ctx;
    const cancelled = err instanceof CancelledError || abort.signal.reason instanceof CancelledError;
    const message = cancelled ? 'Cancelled by a user; the batches written so far are kept, nothing was retired.' : describeUpstreamError(err, ctx.redactor);
    const stopReason: SyncStopReason | null = cancelled ? 'cancelled' : null;
    await saveProgress(ctx, { status: cancelled ? 'cancelled' : 'failed', stopReason, finishedAt: new Date().toISOString(), error: message }).catch(() => undefined);
    await systems.update(system.id, { lastRunAt: new Date().toISOString() }).catch(() => undefined);
    await deps.bumpCatalogVersion().catch(() => undefined);
    ctx.log(cancelled ? 'sync cancelled' : 'sync failed', { runId: run.id, system: system.name, error: message }, cancelled ? 'info' : 'warn');
  }

  async function saveProgress(ctx: RunContext, extra: Partial<NewSyncRunRow> = {}): Promise<void> {
    await runs.update(ctx.run.id, {
      ...ctx.tally.progress(), heartbeatAt: new Date().toISOString(), ...extra,
      // Run messages can quote the source (why an incremental read was impossible...).
      ...(typeof extra.error === 'string' && { error: ctx.redactor.mask(extra.error) }),
    });
  }

  return { execute, connectorFor };
}
export type SyncEngine = ReturnType<typeof createSyncEngine>;

/**
 * A snapshot the connector calls complete but that holds fewer items than the source announced
 * (X-Total-Count, totalSize) by more than the retire guard's share: something cut the listing
 * short, and sweeping with it would retire live products. Null when it is big enough, when the
 * source gave no count, or when a person forced the sweep.
 */
function shortSnapshot(read: number, announced: number | null, guardPercent: number, force: boolean): Stop | null {
  if (force || announced === null || read >= announced * (1 - guardPercent / 100)) return null;
  return {
    reason: 'incomplete_snapshot',
    message: `Incomplete snapshot: the source announced ${announced} items but this full sync read ${read} (${(((announced - read) / announced) * 100).toFixed(1)}% fewer, limit ${guardPercent}%). Nothing was retired and this does not count as a full sync; if the source's count is wrong, run a full sync with force.`,
  };
}

/**
 * CRM connector (Salesforce-style): OAuth2 client credentials, SOQL over Product2 and
 * PricebookEntry, the getDeleted replication endpoint. Mapping rules in crm-map.ts.
 *
 * A SOQL query fixes its result set when it runs (records deleted later are skipped), so pages
 * never shift. Full read: load the active standard price book entries, page Product2, list
 * every Product2 Id again and fetch any id not emitted (e.g. after a truncated answer), then
 * catch up on Product2 and PricebookEntry rows modified since the run started (minus the
 * look-back): products added or repriced while we read. Incremental read: the deleted ids since the cursor, then Product2 changed since the
 * cursor plus the products whose standard entry changed (a price change touches only the entry).
 */
import { HttpError, type HttpClient } from '../../../lib/http-client.js';
import { describeUpstreamError, errorCodeFrom } from '../../../lib/upstream-errors.js';
import { ClientCredentialsAuth, staticAuth } from './auth.js';
import { ConnectorRead, formatCount, isHttpStatus, isObject, joinUrl, mapOrError, objects, str, toUtcIso, type CategoryTypeMap, type Json } from './common.js';
import { ENTRY_FIELDS, PRODUCT_FIELDS, crmFingerprint, mapProduct } from './crm-map.js';
import type { ConnectionTestResult, Connector, ConnectorConfig, ConnectorFactory, ConnectorPage, ItemError, ReadResult, SourceItem } from './types.js';

/** Ids per `Id IN (...)` query: keeps the GET URL far below Salesforce's 16 KB limit. */
const IN_CHUNK = 200;
const SF_ID = /^[a-zA-Z0-9]{15,18}$/;
const CATCH_UP_ROUNDS = 3;

interface Settings {
  baseUrl: string;
  dataUrl: string;
  apiVersion: string;
  pricebookId: string | null;
  defaultCurrency: string | null;
  categoryTypeMap: CategoryTypeMap;
}

function settingsOf(config: ConnectorConfig): Settings {
  const raw = str(config.options.api_version) ?? 'v59.0';
  const apiVersion = raw.startsWith('v') ? raw : `v${raw}`;
  const pricebookId = str(config.options.pricebook_id);
  return { baseUrl: config.baseUrl, dataUrl: joinUrl(config.baseUrl, `services/data/${apiVersion}/`), apiVersion, pricebookId, defaultCurrency: config.defaultCurrency, categoryTypeMap: config.categoryTypeMap };
}

/** SOQL datetime literal, whole seconds (rounded down, so `>=` never skips a record). */
const soqlDate = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const inList = (ids: string[]) => ids.filter((id) => SF_ID.test(id)).map((id) => `'${id}'`).join(',');
const chunks = <T>(xs: T[], n: number) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

/** SOQL over the REST query resource, following nextRecordsUrl to the end. */
async function* query(http: HttpClient, s: Settings, soql: string, onNextPage?: () => void): AsyncGenerator<{ records: Json[]; totalSize: number }, void, void> {
  let url = `${s.dataUrl}query`;
  let q: Record<string, string> | undefined = { q: soql };
  for (;;) {
    if (!q) onNextPage?.();
    const res = await http.getJson<Json>(url, q);
    const body = isObject(res.body) ? res.body : {};
    yield { records: objects(body.records), totalSize: Number(body.totalSize ?? 0) };
    const next = str(body.nextRecordsUrl);
    // `done: true` ends the query; a next page is followed even when a gateway dropped `done`.
    // An answer that says more follows but gives no way to it must not pass for the whole result.
    if (body.done === true || (!next && body.done !== false)) return;
    if (!next) throw new HttpError(`${url}: the query answer says done=false but has no nextRecordsUrl; the listing cannot be finished`, res.status, url, false);
    // nextRecordsUrl is a path from the server root, not from a base URL with a path prefix.
    url = new URL(next, s.baseUrl).toString();
    q = undefined;
  }
}

async function queryAll(http: HttpClient, s: Settings, soql: string, onNextPage?: () => void): Promise<Json[]> {
  const out: Json[] = [];
  for await (const page of query(http, s, soql, onNextPage)) out.push(...page.records);
  return out;
}

/**
 * The standard price book: configured (options.pricebook_id), else Pricebook2.IsStandard, else
 * (APIs that do not expose Pricebook2) the book whose active entries cover the most products
 * in a sample: every product needs a standard entry before it can have any other.
 */
async function standardPricebook(http: HttpClient, s: Settings, log: (m: string) => void): Promise<string> {
  if (s.pricebookId) {
    // It is pasted into SOQL text: only a Salesforce id shape may get there.
    if (!SF_ID.test(s.pricebookId)) throw new Error(`CRM: options.pricebook_id "${s.pricebookId}" is not a Salesforce id`);
    return s.pricebookId;
  }
  try {
    const rows = await queryAll(http, s, 'SELECT Id FROM Pricebook2 WHERE IsStandard = true LIMIT 1');
    const id = str(rows[0]?.Id);
    if (id) return id;
  } catch (err) {
    if (!isHttpStatus(err, 400)) throw err;
  }
  const sample = await queryAll(http, s, 'SELECT Pricebook2Id, Product2Id FROM PricebookEntry WHERE IsActive = true ORDER BY Id LIMIT 2000');
  const cover = new Map<string, Set<string>>();
  for (const e of sample) {
    const book = str(e.Pricebook2Id);
    const product = str(e.Product2Id);
    if (book && product) cover.set(book, (cover.get(book) ?? new Set()).add(product));
  }
  const best = [...cover].sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1))[0];
  if (!best) throw new Error('CRM: no active price book entries found; set options.pricebook_id to the standard price book');
  log(`CRM: Pricebook2 is not queryable; using ${best[0]} as the standard price book (covers ${best[1].size} of the sampled products)`);
  return best[0];
}

class CrmRead extends ConnectorRead<Settings> {
  private pricebook = '';
  private position = 0;
  /** Pages fetched through nextRecordsUrl: a query answered in one page is a single snapshot. */
  private continuations = 0;

  async *run(): AsyncGenerator<ConnectorPage, ReadResult, void> {
    this.pricebook = await standardPricebook(this.http, this.s, this.log);
    let needsFullSync: string | undefined;
    if (this.opts.mode === 'incremental' && this.opts.cursor) {
      const cursorMs = Date.parse(this.opts.cursor.updatedAt);
      const since = cursorMs - this.opts.lookbackMs;
      // Deletions since the previous run began; the data cursor can be weeks old in a quiet catalog.
      const lastRunMs = this.opts.lastRunStartedAt ? Date.parse(this.opts.lastRunStartedAt) : Number.NaN;
      const deletionsFrom = Number.isNaN(lastRunMs) ? cursorMs : Math.min(Math.max(cursorMs, lastRunMs - this.opts.lookbackMs), Date.now());
      const deleted = Number.isNaN(since) ? { expired: `the stored cursor "${this.opts.cursor.updatedAt}" is not a timestamp` } : await this.deletedSince(deletionsFrom - this.opts.lookbackMs, deletionsFrom);
      if ('ids' in deleted) {
        yield* this.changedSince(since);
        return { mode: 'incremental', completeSnapshot: false, deletedIds: deleted.ids };
      }
      needsFullSync = deleted.expired;
      this.log(`CRM: ${needsFullSync}; reading the whole catalog instead`, 'warn');
    }
    yield* this.full();
    return { mode: 'full', completeSnapshot: true, deletedIds: [], ...(needsFullSync && { needsFullSync }) };
  }

  private query(soql: string) {
    return query(this.http, this.s, soql, () => this.continuations++);
  }

  private queryAll(soql: string) {
    return queryAll(this.http, this.s, soql, () => this.continuations++);
  }

  private async *full(): AsyncGenerator<ConnectorPage, void, void> {
    const entries = new Map<string, Json[]>();
    const all = `SELECT ${ENTRY_FIELDS} FROM PricebookEntry WHERE Pricebook2Id = '${this.pricebook}' AND IsActive = true ORDER BY Id`;
    for await (const page of this.query(all)) this.addEntries(entries, page.records);
    for await (const page of this.query(`SELECT ${PRODUCT_FIELDS} FROM Product2 ORDER BY Id`)) {
      this.state.total = page.totalSize;
      // Products created after the entries were loaded have none in the map yet.
      const late = page.records.map((p) => str(p.Id)).filter((id): id is string => id !== null && !entries.has(id));
      if (late.length) this.addEntries(entries, await this.entriesOf(late));
      const out = this.emit(page.records, entries);
      if (out) yield out;
    }

    // Verification: every Product2 present now must have been emitted (or reported malformed).
    const present = (await this.queryAll('SELECT Id FROM Product2 ORDER BY Id')).map((r) => str(r.Id)).filter((x): x is string => x !== null);
    const missing = present.filter((id) => !this.state.has(id));
    if (missing.length) {
      this.log(`CRM: verification found ${missing.length} product(s) the listing did not return; fetching them`, 'warn');
      yield* this.productsById(missing);
    }
    yield* this.catchUp();
  }

  /**
   * Re-reads what changed since the run started (minus the look-back for clock skew): products
   * added or repriced after we read them. A round that needed several pages may have missed
   * changes made meanwhile, so another follows, up to a bound.
   */
  private async *catchUp(): AsyncGenerator<ConnectorPage, void, void> {
    let since = this.startedAt - this.opts.lookbackMs;
    for (let round = 0; round < CATCH_UP_ROUNDS; round++) {
      const roundStart = Date.now();
      const before = this.continuations;
      yield* this.changedSince(since);
      if (this.continuations === before) return;
      since = roundStart - this.opts.lookbackMs;
    }
  }

  /**
   * Deleted Product2 ids since `sinceMs`, or why the replication window cannot answer. Deletions
   * before the cursor were handled by the run that set it, so the window must reach the cursor.
   */
  private async deletedSince(sinceMs: number, cursorMs: number): Promise<{ ids: string[] } | { expired: string }> {
    const url = `${this.s.dataUrl}sobjects/Product2/deleted/`;
    // Whole seconds: start rounded down, end rounded up, so a deletion made this second is included.
    const end = soqlDate(Math.ceil(Date.now() / 1000) * 1000);
    const res = await this.http.getJson<Json>(url, { start: soqlDate(sinceMs), end }, [400]);
    if (res.status === 400) {
      // The error code only: the message is the server's free text, kept nowhere (upstream-errors.ts).
      return { expired: `the deleted-records endpoint refused the window (400${res.body === undefined ? '' : `, ${errorCodeFrom(JSON.stringify(res.body)) ?? 'no error code'}`})` };
    }
    const body = isObject(res.body) ? res.body : {};
    const earliest = toUtcIso(body.earliestDateAvailable);
    if (earliest && Date.parse(earliest) > cursorMs) {
      return { expired: `deleted records are only kept since ${earliest}, after the last sync (${new Date(cursorMs).toISOString()})` };
    }
    return { ids: objects(body.deletedRecords).map((d) => str(d.id)).filter((x): x is string => x !== null) };
  }

  /** Products modified since `sinceMs`, and products whose standard entry was. */
  private async *changedSince(sinceMs: number): AsyncGenerator<ConnectorPage, void, void> {
    const handled = new Set<string>();
    const changed = `SELECT ${PRODUCT_FIELDS} FROM Product2 WHERE SystemModstamp >= ${soqlDate(sinceMs)} ORDER BY SystemModstamp, Id`;
    for await (const page of this.query(changed)) {
      const ids = page.records.map((p) => str(p.Id)).filter((x): x is string => x !== null);
      ids.forEach((id) => handled.add(id));
      const out = this.emit(page.records, this.group(await this.entriesOf(ids)));
      if (out) yield out;
    }
    const priced = await this.queryAll(
      `SELECT Product2Id FROM PricebookEntry WHERE Pricebook2Id = '${this.pricebook}' AND SystemModstamp >= ${soqlDate(sinceMs)} ORDER BY SystemModstamp, Id`,
    );
    const repriced = [...new Set(priced.map((e) => str(e.Product2Id)).filter((x): x is string => x !== null && !handled.has(x)))];
    yield* this.productsById(repriced);
  }

  private async *productsById(ids: string[]): AsyncGenerator<ConnectorPage, void, void> {
    for (const part of chunks(ids, IN_CHUNK)) {
      const products = await this.queryAll(`SELECT ${PRODUCT_FIELDS} FROM Product2 WHERE Id IN (${inList(part)})`);
      const out = this.emit(products, this.group(await this.entriesOf(part)));
      if (out) yield out;
    }
  }

  private async entriesOf(productIds: string[]): Promise<Json[]> {
    const out: Json[] = [];
    for (const part of chunks(productIds, IN_CHUNK)) {
      out.push(...(await this.queryAll(`SELECT ${ENTRY_FIELDS} FROM PricebookEntry WHERE Pricebook2Id = '${this.pricebook}' AND IsActive = true AND Product2Id IN (${inList(part)})`)));
    }
    return out;
  }

  private group(entries: Json[]): Map<string, Json[]> {
    const m = new Map<string, Json[]>();
    this.addEntries(m, entries);
    return m;
  }

  private addEntries(m: Map<string, Json[]>, entries: Json[]): void {
    for (const e of entries) {
      const p = str(e.Product2Id);
      if (!p) continue;
      const list = m.get(p) ?? [];
      if (!list.some((x) => x.Id === e.Id)) list.push(e);
      m.set(p, list);
    }
  }

  private emit(products: Json[], entries: Map<string, Json[]>): ConnectorPage | null {
    const items: SourceItem[] = [];
    const errors: ItemError[] = [];
    for (const p of products) {
      const position = this.position++;
      const id = str(p.Id);
      if (!id) {
        if (this.state.recordAnonymous(p)) errors.push({ externalId: null, position, reason: 'Product2 has no Id' });
        continue;
      }
      const r = mapOrError(id, position, () => mapProduct(p, entries.get(id) ?? [], this.s.defaultCurrency, this.s.categoryTypeMap));
      const version = crmFingerprint(r.item ?? r.error.reason);
      if (this.state.isCurrent(id, version)) continue;
      this.state.record(id, version);
      if (r.item) items.push(r.item);
      else errors.push(r.error);
    }
    return items.length || errors.length ? this.state.page(items, errors) : null;
  }
}

async function testConnection(s: Settings, http: HttpClient): Promise<ConnectionTestResult> {
  const details: Record<string, unknown> = { api_version: s.apiVersion };
  try {
    const count = await http.getJson<Json>(`${s.dataUrl}query`, { q: 'SELECT COUNT() FROM Product2' });
    const total = isObject(count.body) ? Number(count.body.totalSize ?? 0) : 0;
    details.products = total;
    details.standard_pricebook_id = await standardPricebook(http, s, () => undefined);
    return { ok: true, message: `${s.apiVersion}, ${formatCount(total)} products`, details };
  } catch (err) {
    return { ok: false, message: describeUpstreamError(err, http.redactor), details };
  }
}

export const crmConnector: ConnectorFactory = {
  systemType: 'crm',
  authTypes: ['oauth2_client_credentials', 'bearer'],
  create(config: ConnectorConfig, http: HttpClient): Connector {
    const s = settingsOf(config);
    const { type, username, secret, tokenUrl } = config.auth;
    http.setAuth(
      type === 'bearer'
        ? staticAuth({ authorization: `Bearer ${secret ?? ''}` }, 'access token')
        : new ClientCredentialsAuth(tokenUrl ?? joinUrl(config.baseUrl, 'services/oauth2/token'), username ?? '', secret ?? ''),
    );
    return {
      test: () => testConnection(s, http),
      read: (opts) => new CrmRead(s, http, opts).run(),
    };
  },
};

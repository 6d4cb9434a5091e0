/**
 * Fake CRM in the style of Salesforce: OAuth2 client credentials, SOQL over Product2 and
 * PricebookEntry with query cursors, and the getDeleted replication endpoint.
 *
 * Raw records -> ExpectedProduct (the ground truth of store.expected(id)):
 * - external_product_id = Product2.Id (18 characters). A Product2 with Id null is malformed.
 * - name = Product2.Name.
 * - price/currency come from ONE PricebookEntry: Product2Id = the product, Pricebook2Id =
 *   CRM_STANDARD_PRICEBOOK_ID and CurrencyIsoCode = the simulator currency (default SAR).
 *   Every well-formed product has exactly one such entry, always active. Some products also
 *   have a standard entry in a second currency (USD, or EUR when the catalog is in USD) and/or
 *   an entry in the "Corporate" price book (CRM_CORPORATE_PRICEBOOK_ID, 10% off): ignore them.
 *   price = UnitPrice (a JSON number) as an exact decimal with the currency's minor units.
 *   A price change bumps that PricebookEntry's SystemModstamp, not the Product2's, so an
 *   incremental client must query both objects.
 * - billing_cycle = Billing_Frequency__c: Daily -> daily, Weekly -> weekly, Monthly -> monthly,
 *   Quarterly -> quarterly, Yearly -> yearly, One-Time -> one_time; recurring = not One-Time.
 *   (Device instalment offers are Monthly with the instalment as UnitPrice.)
 * - product_type = Product_Type__c lower-cased, "Add-on" -> addon. It always agrees with Family:
 *   Postpaid Plans / Prepaid Plans -> bundle, Data Bundles -> data, Voice Packs -> voice,
 *   SMS Packs -> sms, Roaming -> addon, Devices -> device, Value Added Services -> service,
 *   Add-ons -> addon.
 * - features: Data_GB__c -> data_gb, Voice_Minutes__c -> voice_minutes, SMS__c -> sms;
 *   null -> absent; -1 means unlimited (the CRM admin's convention) and stays -1.
 * - is_active = IsActive && !IsArchived.
 * Malformed products (malformedRate): Id null (their entries have Product2Id null), Name null,
 * UnitPrice the string "N/A", or CurrencyIsoCode "XXX" on their price book entries.
 * Deleted products disappear from queries (and their entries with them) and are listed by
 * GET .../sobjects/Product2/deleted/ for deletedRetentionDays.
 */
import { randomBytes } from 'node:crypto';
import { CrmRecords, type Rec } from './crm.records.js';
import { CRM_CORPORATE_PRICEBOOK_ID, CRM_DEFAULT_CREDENTIALS, CRM_QUERY_PATH, CRM_STANDARD_PRICEBOOK_ID, CRM_TOKEN_PATH, sfDate, sfId, type CrmProduct } from './crm.wire.js';
import { bearer, json, startHttpCore, type Call, type FaultReplies, type HttpCore, type Reply } from './http.js';
import { SoqlError, parseSoql, type Query, type SObject } from './soql.js';
import type { FaultConfig, RunningSimulator, SimulatorOptions, SimulatorStore } from './types.js';

export {
  CRM_API_VERSION,
  CRM_CORPORATE_PRICEBOOK_ID,
  CRM_DEFAULT_CREDENTIALS,
  CRM_QUERY_PATH,
  CRM_STANDARD_PRICEBOOK_ID,
  CRM_TOKEN_PATH,
  type CrmPricebookEntry,
  type CrmProduct,
  type SfAttributes,
} from './crm.wire.js';

const DEFAULT_PAGE_SIZE = 2000;
const CURSOR_IDLE_MS = 15 * 60_000;
const MAX_CURSORS = 200;

export interface CrmOptions extends SimulatorOptions {
  clientId?: string;
  clientSecret?: string;
  pageSize?: number;
  deletedRetentionDays?: number;
}

interface Cursor {
  id: string;
  query: Query;
  pageSize: number;
  recs: Rec[];
  lastUsed: number;
}

const sfError = (status: number, errorCode: string, message: string): Reply => json(status, [{ message, errorCode }]);
const notFound = () => sfError(404, 'NOT_FOUND', 'The requested resource does not exist');

const crmFaultReplies: FaultReplies = {
  rateLimited: (retryAfter) => ({ ...sfError(429, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), headers: { 'retry-after': String(retryAfter) } }),
  serverError: (status, retryAfter) => {
    if (status === 500) return sfError(500, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred. Please include this ErrorId if you contact support: 1406371937-51530 (-1285401358)');
    if (status === 502) return { status, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', contentType: 'text/html' };
    return { ...sfError(503, 'SERVER_UNAVAILABLE', 'Server is temporarily unavailable, please retry your request.'), headers: { 'retry-after': String(retryAfter) } };
  },
};

/** ISO 8601 from a query string: '+' decoded to a space is restored, +0000 accepted, naive means UTC. */
function parseIsoLenient(raw: string): number {
  let s = raw.trim().replace(/ (\d{2}:?\d{2})$/, '+$1').replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(s)) s += 'Z';
  return /^\d{4}-\d{2}-\d{2}/.test(s) ? Date.parse(s) : Number.NaN;
}

const sobject = (name: string): SObject | undefined => (['Product2', 'PricebookEntry'] as const).find((o) => o.toLowerCase() === name.toLowerCase());

/** The REST API over the records: OAuth2 tokens, SOQL queries with cursors, records and deletions. */
class CrmApi {
  readonly credentials: { clientId: string; clientSecret: string };
  readonly pageSize: number;
  private readonly retentionMs: number;
  private readonly tokenTtlMs: number;
  readonly tokens = new Map<string, number>();
  readonly cursors = new Map<string, Cursor>();
  // Cursor ids differ between runs so a stale nextRecordsUrl from another run is rejected.
  private cursorCounter = Math.floor(Math.random() * 1_000_000) * 1000;
  /** Set once the server listens: the instance_url of tokens. */
  origin = '';
  /** Set once the server listens: its fault settings and token counter. */
  core: HttpCore | undefined;

  constructor(
    private readonly records: CrmRecords,
    o: CrmOptions,
  ) {
    this.credentials = { clientId: o.clientId ?? CRM_DEFAULT_CREDENTIALS.clientId, clientSecret: o.clientSecret ?? CRM_DEFAULT_CREDENTIALS.clientSecret };
    this.pageSize = o.pageSize ?? DEFAULT_PAGE_SIZE;
    this.retentionMs = (o.deletedRetentionDays ?? 15) * 86_400_000;
    this.tokenTtlMs = (o.tokenTtlSeconds ?? 7200) * 1000;
  }

  /** Routes a call: the token endpoint, then authenticated GETs under /services/data/vNN.N/. */
  handle(call: Call): Reply {
    if (call.path === CRM_TOKEN_PATH) return this.token(call);
    const m = /^\/services\/data\/v\d+\.\d+\/(.+)$/.exec(call.path);
    if (!m) return notFound();
    if (call.method !== 'GET') return sfError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${call.method}' not allowed. Allowed are GET,HEAD`);
    const denied = this.authenticate(call);
    if (denied) return denied;
    const rest = m[1] as string;
    if (rest === 'query') return this.runQuery(call);
    const next = /^query\/([0-9A-Za-z]{15,18})-(\d+)$/.exec(rest);
    if (next) return this.continueQuery(next[1] as string, Number(next[2]));
    const deleted = /^sobjects\/(\w+)\/deleted$/.exec(rest);
    const deletedOf = deleted && sobject(deleted[1] as string);
    if (deletedOf) return this.getDeleted(deletedOf, call);
    const record = /^sobjects\/(\w+)\/([0-9A-Za-z]{15,18})$/.exec(rest);
    const recordOf = record && sobject(record[1] as string);
    if (recordOf) return this.getRecord(recordOf, record[2] as string);
    return notFound();
  }

  // -------------------------------------------------------------------------------------------
  // Auth

  private token(call: Call): Reply {
    if (call.method !== 'POST') return sfError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${call.method}' not allowed. Allowed are POST`);
    const form = new URLSearchParams(call.body);
    let clientId = form.get('client_id');
    let clientSecret = form.get('client_secret');
    const basic = bearer(call.headers, 'Basic');
    if (basic) {
      const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':');
      clientId ??= decodeURIComponent(id ?? '');
      clientSecret ??= decodeURIComponent(secret ?? '');
    }
    if (form.get('grant_type') !== 'client_credentials') return json(400, { error: 'unsupported_grant_type', error_description: 'grant type not supported' });
    if (clientId !== this.credentials.clientId) return json(400, { error: 'invalid_client_id', error_description: 'client identifier invalid' });
    if (clientSecret !== this.credentials.clientSecret) return json(400, { error: 'invalid_client', error_description: 'invalid client credentials' });
    const access = `00D5g000004LyRa!${randomBytes(48).toString('base64url')}`;
    const issuedAt = Date.now();
    return {
      ...json(200, {
        access_token: access,
        signature: randomBytes(32).toString('base64'),
        scope: 'api',
        instance_url: this.origin,
        id: `${this.origin}/id/00D5g000004LyRaEAK/0055g00000LyRaSAAV`,
        token_type: 'Bearer',
        issued_at: String(issuedAt),
        expires_in: Math.round(this.tokenTtlMs / 1000),
      }),
      commit: () => {
        this.tokens.set(access, issuedAt + this.tokenTtlMs);
        this.core?.countToken();
      },
    };
  }

  private authenticate(call: Call): Reply | undefined {
    const t = bearer(call.headers, 'Bearer') ?? bearer(call.headers, 'OAuth');
    const expires = t ? this.tokens.get(t) : undefined;
    if (expires !== undefined && expires > Date.now()) return undefined;
    if (t && expires !== undefined) this.tokens.delete(t);
    return { ...sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid'), headers: { 'www-authenticate': 'Token' } };
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  private runQuery(call: Call): Reply {
    const soql = call.url.searchParams.get('q');
    if (!soql) return sfError(400, 'MALFORMED_QUERY', 'A query string (q) is required');
    let q: Query;
    try {
      q = parseSoql(soql);
    } catch (err) {
      if (err instanceof SoqlError) return sfError(400, err.code, err.message);
      throw err;
    }
    let recs = this.records.execute(q);
    if (q.count) return json(200, { totalSize: recs.length, done: true, records: [] });
    const { truncateKeep } = this.records;
    const trunc = q.object === 'Product2' && q.conditions.length === 0 && truncateKeep !== undefined ? truncateKeep : undefined;
    if (trunc !== undefined) recs = recs.slice(0, trunc);
    // Like Salesforce, a client may ask for smaller batches (200..2000) with Sforce-Query-Options.
    const batch = /batchSize\s*=\s*(\d+)/i.exec(String(call.headers['sforce-query-options'] ?? ''));
    const size = batch ? Math.min(2000, Math.max(200, Number(batch[1]))) : this.pageSize;
    const cursor: Cursor = { id: sfId('01g', (this.cursorCounter += 1)), query: q, pageSize: size, recs, lastUsed: Date.now() };
    const { body, next } = this.pageBody(cursor, 0);
    return {
      status: 200,
      body,
      commit: () => {
        if (trunc !== undefined) this.records.truncateKeep = undefined;
        if (next !== undefined) this.remember(cursor);
      },
    };
  }

  private continueQuery(cursorId: string, start: number): Reply {
    const cursor = this.cursors.get(cursorId);
    if (!cursor || start > cursor.recs.length) return sfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    cursor.lastUsed = Date.now();
    const { body } = this.pageBody(cursor, start);
    const mutations = this.core?.faults.current.mutateWhilePaging ?? 0;
    return { status: 200, body, commit: () => mutations > 0 && this.records.mutateWhilePaging(mutations) };
  }

  private pageBody(cursor: Cursor, start: number): { body: string; next?: number } {
    const q = cursor.query;
    const fieldsKey = q.fields.join(',');
    const end = Math.min(start + cursor.pageSize, cursor.recs.length);
    const parts: string[] = [];
    for (let i = start; i < end; i++) {
      const r = cursor.recs[i] as Rec;
      // Records deleted after the query ran are skipped, as Salesforce does.
      if (!r.deleted) parts.push(this.records.render(r, q.fields, fieldsKey));
    }
    const done = end >= cursor.recs.length;
    const next = done ? '' : `,"nextRecordsUrl":"${CRM_QUERY_PATH}/${cursor.id}-${end}"`;
    return { body: `{"totalSize":${cursor.recs.length},"done":${done}${next},"records":[${parts.join(',')}]}`, ...(done ? {} : { next: end }) };
  }

  private remember(cursor: Cursor): void {
    this.cursors.set(cursor.id, cursor);
    const now = Date.now();
    for (const [id, c] of this.cursors) if (now - c.lastUsed > CURSOR_IDLE_MS || this.cursors.size > MAX_CURSORS) this.cursors.delete(id);
  }

  // -------------------------------------------------------------------------------------------
  // Records and deletions

  private getDeleted(object: SObject, call: Call): Reply {
    const startRaw = call.url.searchParams.get('start');
    const endRaw = call.url.searchParams.get('end');
    if (!startRaw || !endRaw) return sfError(400, 'MISSING_ARGUMENT', 'Missing required parameters: start, end');
    const start = parseIsoLenient(startRaw);
    const end = parseIsoLenient(endRaw);
    if (Number.isNaN(start) || Number.isNaN(end)) return sfError(400, 'INVALID_REPLICATION_DATE', 'start and end must be ISO 8601 date-times');
    if (end < start) return sfError(400, 'INVALID_REPLICATION_DATE', 'end must be after start');
    const now = Date.now();
    const earliest = now - this.retentionMs;
    const log = this.records.deletedLog[object];
    while (log.length > 0 && (log[0] as { ms: number }).ms < earliest) log.shift();
    const covered = Math.min(end, now);
    const deletedRecords = log.filter((d) => d.ms >= start && d.ms <= covered).map((d) => ({ id: d.id, deletedDate: sfDate(d.ms) }));
    return json(200, { deletedRecords, earliestDateAvailable: sfDate(earliest), latestDateCovered: sfDate(covered) });
  }

  private getRecord(object: SObject, id: string): Reply {
    const r = this.records.findById(object, id);
    if (!r || r.deleted) return notFound();
    return json(200, this.records.fieldsOf(r));
  }
}

// ---------------------------------------------------------------------------------------------
// Simulator

export async function startCrmSimulator(o: CrmOptions = {}): Promise<RunningSimulator<CrmProduct>> {
  const seed = o.seed ?? 1;
  const records = new CrmRecords({ seed, currency: o.currency ?? 'SAR', catalogOf: o.catalogOf ?? 'crm', items: o.items ?? 200, malformedRate: o.faults?.malformedRate ?? 0 });
  const api = new CrmApi(records, o);
  const { store } = records;
  const expireTokens = () => api.tokens.clear();
  const setFaults = (patch: Partial<FaultConfig>) => {
    core.faults.set(patch);
    if (patch.malformedRate !== undefined) records.setMalformedRate(patch.malformedRate);
  };

  const core = await startHttpCore({
    system: 'crm',
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    seed,
    faults: o.faults ?? {},
    handle: (call) => api.handle(call),
    faultReplies: crmFaultReplies,
    store: store as SimulatorStore<unknown>,
    setFaults,
    expireTokens,
    counts: () => {
      const products = records.products();
      let malformed = 0;
      for (const p of products) if (records.malformOf(p) !== undefined) malformed++;
      return { items: products.length, valid: products.length - malformed, malformed };
    },
    describe: () => ({
      credentials: api.credentials,
      tokenPath: CRM_TOKEN_PATH,
      queryPath: CRM_QUERY_PATH,
      standardPricebookId: CRM_STANDARD_PRICEBOOK_ID,
      corporatePricebookId: CRM_CORPORATE_PRICEBOOK_ID,
      pageSize: api.pageSize,
      openCursors: api.cursors.size,
    }),
  });
  api.core = core;
  api.origin = core.url;

  return { url: core.url, port: core.port, close: core.close, setFaults, store, stats: core.stats, expireTokens };
}

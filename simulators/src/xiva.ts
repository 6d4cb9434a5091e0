/**
 * Fake Xiva BSS: TMF620 Product Catalog Management v5 and v4 behind Django-style JWT auth.
 *
 * Raw offering -> ExpectedProduct (the ground truth of store.expected(id)):
 * - external_product_id = `id` (a UUID). Offerings without `id` are malformed.
 * - name                = `name`.
 * - The price that counts is the FIRST entry of `productOfferingPrice` whose `priceType` is
 *   "recurring"; if there is none, the first "oneTime" entry. Device instalment offers list
 *   the one-time upfront payment first and the monthly instalment second: the instalment wins.
 *   Plans may list a one-time "SIM activation fee" before the monthly fee: the fee loses.
 *   - Embedded price (v5, and v4 in 'embedded'/'mixed' styles): a TMF ProductPriceValue,
 *     `price.taxIncludedAmount {unit, value}`; value is a JSON float.
 *   - Referenced price (v4 default, some items in 'mixed'): the entry is `{id, href, name}`;
 *     GET productOfferingPrice/{id} returns the TMF620 ProductOfferingPrice entity whose
 *     `price` is a Money `{unit, value}` that is tax included (its `tax[]` item shows the VAT part).
 *   price    = that tax-included value as an exact decimal with the currency's minor units
 *              (49.99 SAR -> "49.99", 49 SAR -> "49.00", 1.25 KWD -> "1.250", 1980 JPY -> "1980").
 *   currency = that amount's `unit`.
 * - recurring = priceType is "recurring". billing_cycle from the period type
 *   (v5 `recurringChargePeriodType`, v4 embedded `recurringChargePeriod`) and
 *   `recurringChargePeriodLength`: day/1 daily, week/1 weekly, month/1 monthly,
 *   month/3 quarterly, year/1 yearly; oneTime -> one_time.
 * - product_type = the `productType` characteristic's value (voice|data|sms|bundle|device|
 *   service|addon). It always agrees with the category name: Postpaid Plans and Prepaid Plans
 *   -> bundle, Data Bundles -> data, Voice Packs -> voice, SMS Packs -> sms, Roaming -> addon,
 *   Devices -> device, Value Added Services -> service, Add-ons -> addon.
 * - features: allowances are either in `prodSpecCharValueUse` (name dataAllowance /
 *   voiceAllowance / smsAllowance, one `productSpecCharacteristicValue` with `value` and
 *   `unitOfMeasure` GB|MB, min, SMS) or in `characteristic` with a single text value
 *   ("100 GB", "512 MB", "300 min", "100 SMS"). Never both for one offering.
 *   data_gb = GB value, or MB / 1024 (512 MB -> 0.5). "Unlimited" -> -1 for any allowance.
 *   Absent allowance -> key absent.
 * - is_active = lifecycleStatus is "Launched" or "Active" (In Design, In Test, Retired -> false;
 *   such offerings are still present and belong in validIds()).
 * Malformed offerings (malformedRate): no `id` (and no href), no `name`, price value a string
 * like "SAR 49.99", or currency "XXX" — applied to every price of that offering, embedded or not.
 */
import { FAMILIES, type Family } from './catalog.js';
import { bearer, intParam, json, startHttpCore, type Call, type FaultReplies, type HttpCore, type Reply } from './http.js';
import { JwtIssuer } from './jwt.js';
import type { FaultConfig, RunningSimulator, SimulatorStore } from './types.js';
import { XivaRecords, type LastUpdateRange, type OfferingRec } from './xiva.records.js';
import { XivaRenderer } from './xiva.render.js';
import { XIVA_AUTH_BASE, XIVA_DEFAULT_CREDENTIALS, XIVA_V4_BASE, XIVA_V5_BASE, slug, type ApiVersion, type XivaOffering, type XivaOptions, type XivaServerStyle } from './xiva.wire.js';

export {
  XIVA_AUTH_BASE,
  XIVA_DEFAULT_CREDENTIALS,
  XIVA_V4_BASE,
  XIVA_V5_BASE,
  type TmfMoney,
  type TmfRef,
  type XivaCharValueUse,
  type XivaEmbeddedPrice,
  type XivaOffering,
  type XivaOptions,
  type XivaPriceRef,
  type XivaProductOfferingPrice,
  type XivaServerStyle,
} from './xiva.wire.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const BARE_PAGE = 50;
const REFRESH_TTL_SECONDS = 86_400;

/** Parses a filter instant; naive timestamps are taken as UTC, '+' decoded to a space is restored. */
function parseInstant(raw: string): number {
  let s = raw.trim().replace(/ (\d\d:?\d\d)$/, '+$1');
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(s)) s += 'Z';
  if (!/^\d{4}-\d{2}-\d{2}(T|$)/.test(s)) return Number.NaN;
  return Date.parse(s);
}

function tmfError(status: number, reason: string, message: string): Reply {
  return json(status, { code: String(status), reason, message, status: String(status), '@type': 'Error' });
}

const nginxPage = (status: number, text: string) =>
  `<html>\r\n<head><title>${status} ${text}</title></head>\r\n<body>\r\n<center><h1>${status} ${text}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;

const xivaFaultReplies: FaultReplies = {
  rateLimited: (retryAfter) => ({
    ...json(429, { detail: `Request was throttled. Expected available in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.` }),
    headers: { 'retry-after': String(retryAfter) },
  }),
  serverError: (status, retryAfter) => {
    if (status === 500) return tmfError(500, 'Internal Server Error', 'An unexpected error occurred while processing the request');
    // 502/503 come from the reverse proxy in front of Django: HTML, not JSON.
    const text = status === 502 ? 'Bad Gateway' : 'Service Temporarily Unavailable';
    return {
      status,
      body: nginxPage(status, text),
      contentType: 'text/html',
      headers: status === 503 ? { 'retry-after': String(retryAfter) } : {},
    };
  },
};

interface ListQuery {
  offset: number;
  limit: number;
  fields?: string[];
  sort: 'id' | 'lastUpdate';
  range?: LastUpdateRange;
}

type FilterSupport = 'both' | 'gt' | 'gte' | 'none';

function parseListQuery(url: URL, filter: FilterSupport): ListQuery | Reply {
  const offset = intParam(url, 'offset') ?? 0;
  const limit = intParam(url, 'limit') ?? DEFAULT_LIMIT;
  if (Number.isNaN(offset)) return tmfError(400, 'Bad Request', 'offset must be a non-negative integer');
  if (Number.isNaN(limit) || limit < 1) return tmfError(400, 'Bad Request', 'limit must be a positive integer');
  const rawSort = (url.searchParams.get('sort') ?? 'id').trim().replace(/^\+/, '');
  if (rawSort !== 'id' && rawSort !== 'lastUpdate') return tmfError(400, 'Bad Request', `sort=${rawSort} is not supported; use id or lastUpdate`);
  const fieldsRaw = url.searchParams.get('fields');
  const q: ListQuery = { offset, limit: Math.min(limit, MAX_LIMIT), sort: rawSort };
  if (fieldsRaw) q.fields = fieldsRaw.split(',').map((f) => f.trim()).filter(Boolean);
  if (filter === 'none') return q;
  const range: NonNullable<ListQuery['range']> = { key: '' };
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
    // A lower-bound form the server does not know is ignored, not refused.
    if ((op === 'gt' && filter === 'gte') || (op === 'gte' && filter === 'gt')) continue;
    const raw = url.searchParams.get(`lastUpdate.${op}`);
    if (raw === null) continue;
    const ms = parseInstant(raw);
    if (Number.isNaN(ms)) return tmfError(400, 'Bad Request', `lastUpdate.${op} must be an RFC 3339 date-time`);
    if (op === 'gt' || op === 'gte') range.lo = { ms, inclusive: op === 'gte' };
    else range.hi = { ms, inclusive: op === 'lte' };
    range.key += `${op}=${ms};`;
  }
  if (range.key) q.range = range;
  return q;
}

function project<T extends object>(obj: T, fields: string[]): Partial<T> {
  const out: Record<string, unknown> = {};
  const src = obj as Record<string, unknown>;
  for (const f of ['id', 'href', ...fields]) if (f in src) out[f] = src[f];
  return out as Partial<T>;
}

export interface RunningXivaSimulator extends RunningSimulator<XivaOffering> {
  /** Switches list behaviour from the next request on: a server upgraded or misconfigured between two syncs. */
  setServerStyle(patch: Partial<XivaServerStyle>): void;
}


const arraySlice =
  <T>(items: readonly T[], lo = 0) =>
  (start: number, count: number) =>
    items.slice(lo + start, lo + start + count);

const unauthorized = (detail: object): Reply => ({ ...json(401, detail), headers: { 'www-authenticate': 'JWT realm="api"' } });

/** A form-encoded or JSON body as an object; undefined when it is neither. */
function parseForm(call: Call): Record<string, unknown> | undefined {
  const type = String(call.headers['content-type'] ?? '');
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(call.body));
  try {
    const v: unknown = call.body ? JSON.parse(call.body) : {};
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const apiRoute = /^(?:\/api\/productCatalogManagement\/(v5)|\/api\/tmf-api\/productCatalogManagement\/(v4))\/(productOffering|productOfferingPrice|category|productSpecification)(?:\/([^/]+))?$/;

interface XivaApiOptions {
  apiVersion: NonNullable<XivaOptions['apiVersion']>;
  pagingStyle: NonNullable<XivaOptions['pagingStyle']>;
  style: XivaServerStyle;
  credentials: { email: string; password: string };
  accessTtl: number;
}

/** TMF620 lists and entities behind Django-style JWT auth, over the records. */
class XivaApi {
  private readonly jwt = new JwtIssuer();
  /** Bumped by expireTokens: every token issued before is refused. */
  tokenGeneration = 0;
  /** Set once the server listens: its fault settings and token counter. */
  core: HttpCore | undefined;

  constructor(
    private readonly records: XivaRecords,
    private readonly renderer: XivaRenderer,
    readonly o: XivaApiOptions,
  ) {}

  handle(call: Call): Reply {
    const authMatch = /^\/api\/auth\/jwt\/(create|refresh|verify)$/.exec(call.path);
    if (authMatch?.[1]) return this.auth(authMatch[1], call);
    const m = apiRoute.exec(call.path);
    const served = m && (this.o.apiVersion === 'both' || (m[1] ?? m[2]) === this.o.apiVersion);
    if (!m || !served) return json(404, { detail: 'Not found.' });
    if (call.method !== 'GET') return json(405, { detail: `Method "${call.method}" not allowed.` });
    const denied = this.authenticate(call);
    if (denied) return denied;
    const v = (m[1] ?? m[2]) as ApiVersion;
    const kind = m[3] as string;
    const id = m[4];
    if (id !== undefined) return this.getOne(v, kind, decodeURIComponent(id), call);
    if (kind === 'productOffering') return this.listOfferings(v, call);
    if (kind === 'productOfferingPrice') return this.listPrices(v, call);
    return this.staticList(v, kind as 'category' | 'productSpecification', call);
  }

  // -------------------------------------------------------------------------------------------
  // Auth

  private auth(action: string, call: Call): Reply {
    if (call.method !== 'POST') return json(405, { detail: `Method "${call.method}" not allowed.` });
    const body = parseForm(call);
    if (!body) return json(400, { detail: 'JSON parse error - Expecting value: line 1 column 1 (char 0)' });
    if (action === 'create') return this.createTokens(body);
    if (action === 'refresh') {
      if (typeof body.refresh !== 'string' || !body.refresh) return json(400, { refresh: ['This field is required.'] });
      if (!this.jwt.verify(body.refresh, 'refresh')) return json(401, { detail: 'Token is invalid or expired', code: 'token_not_valid' });
      return { ...json(200, { access: this.jwt.sign('access', this.o.accessTtl, this.tokenGeneration) }), commit: () => this.core?.countToken() };
    }
    if (action === 'verify') {
      if (typeof body.token !== 'string' || !body.token) return json(400, { token: ['This field is required.'] });
      const ok = this.jwt.verify(body.token, 'access') ?? this.jwt.verify(body.token, 'refresh');
      return ok ? json(200, {}) : json(401, { detail: 'Token is invalid or expired', code: 'token_not_valid' });
    }
    return json(404, { detail: 'Not found.' });
  }

  /** jwt/create: a refresh and an access token for the configured email (or username) and password. */
  private createTokens(body: Record<string, unknown>): Reply {
    const login = body.email ?? body.username;
    const missing: Record<string, string[]> = {};
    if (typeof login !== 'string' || !login) missing.email = ['This field is required.'];
    if (typeof body.password !== 'string' || !body.password) missing.password = ['This field is required.'];
    if (Object.keys(missing).length > 0) return json(400, missing);
    const { credentials } = this.o;
    if (login !== credentials.email || body.password !== credentials.password) return json(401, { detail: 'No active account found with the given credentials' });
    return {
      ...json(200, { refresh: this.jwt.sign('refresh', REFRESH_TTL_SECONDS, this.tokenGeneration), access: this.jwt.sign('access', this.o.accessTtl, this.tokenGeneration) }),
      commit: () => this.core?.countToken(),
    };
  }

  private authenticate(call: Call): Reply | undefined {
    const token = bearer(call.headers, 'JWT');
    if (!token) return unauthorized({ detail: 'Authentication credentials were not provided.' });
    const claims = this.jwt.verify(token, 'access');
    if (!claims || claims.gen !== this.tokenGeneration) {
      return unauthorized({
        detail: 'Given token not valid for any token type',
        code: 'token_not_valid',
        messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' }],
      });
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Lists

  private listOfferings(v: ApiVersion, call: Call): Reply {
    const q = parseListQuery(call.url, this.o.style.lastUpdateFilter);
    if ('status' in q) return q;
    const view = this.records.offeringsView(q.sort, q.range);
    const { lo } = view;
    let { hi } = view;

    // A truncated answer looks complete to the client: fewer items, consistent counts, normal end.
    const { records } = this;
    const full = !q.range;
    if (full && records.truncation?.ended && q.offset === 0) records.truncation = undefined;
    const trunc = full && records.truncation && (q.offset === 0 || records.truncation.active) ? records.truncation : undefined;
    if (trunc) hi = Math.min(hi, lo + trunc.keep);

    const mutations = this.core?.faults.current.mutateWhilePaging ?? 0;
    const fields = q.fields;
    const render = fields ? (r: OfferingRec) => JSON.stringify(project(this.renderer.renderOffering(v, r), fields)) : (r: OfferingRec) => this.renderer.offeringJson(v, r);
    return this.page(call, hi - lo, q, arraySlice(view.items, lo), render, (served, total) => {
      if (trunc && records.truncation === trunc) {
        trunc.active = true;
        if (this.o.pagingStyle === 'bare-capped' ? served < BARE_PAGE : q.offset + served >= total) trunc.ended = true;
      }
      if (q.offset > 0 && mutations > 0) records.mutateWhilePaging(mutations);
    });
  }

  private listPrices(v: ApiVersion, call: Call): Reply {
    const q = parseListQuery(call.url, 'none');
    if ('status' in q) return q;
    const prices = this.records.prices();
    const fields = q.fields;
    const render = ([rec, n]: [OfferingRec, number]) => (fields ? JSON.stringify(project(this.renderer.renderPop(v, rec, n), fields)) : this.renderer.popJson(v, rec, n));
    return this.page(call, prices.total, q, prices.slice, render);
  }

  private staticList(v: ApiVersion, kind: 'category' | 'productSpecification', call: Call): Reply {
    const q = parseListQuery(call.url, 'none');
    if ('status' in q) return q;
    const items = FAMILIES.map((f) => (kind === 'category' ? this.renderer.renderCategory(v, f) : this.renderer.renderSpec(v, f)));
    return this.page(call, items.length, q, arraySlice(items), (x) => JSON.stringify(q.fields ? project(x, q.fields) : x));
  }

  /** Serves the page at q.offset of a `total`-long result in the configured paging style. */
  private page<T>(
    call: Call,
    total: number,
    q: Pick<ListQuery, 'offset' | 'limit'>,
    slice: (start: number, count: number) => readonly T[],
    render: (x: T) => string,
    after?: (served: number, total: number) => void,
  ): Reply {
    if (this.o.pagingStyle === 'bare-capped') {
      const count = Math.max(0, Math.min(BARE_PAGE, total - q.offset));
      const body = `[${slice(q.offset, count).map(render).join(',')}]`;
      return { status: 200, body, commit: () => after?.(count, total) };
    }
    if (q.offset > 0 && q.offset >= total) {
      return { ...tmfError(416, 'Range Not Satisfiable', `offset ${q.offset} is past the end of the ${total} results`), commit: () => after?.(0, total) };
    }
    const { style } = this.o;
    const count = Math.min(q.limit, total - q.offset);
    const body = `[${slice(q.offset, count).map(render).join(',')}]`;
    const headers = this.countHeaders(total, q.limit, count);
    if (style.linkNext && q.offset + count < total) {
      const next = new URL(call.url);
      next.searchParams.set('offset', String(q.offset + count));
      next.searchParams.set('limit', String(q.limit));
      headers.link = `<${next.toString()}>; rel="next"`;
    }
    return {
      status: q.offset === 0 && count === total ? 200 : style.partialStatus,
      body,
      headers,
      commit: () => after?.(count, total),
    };
  }

  /** The count headers of one page, as the configured `totalCount` style tells them. */
  private countHeaders(total: number, limit: number, count: number): Record<string, string> {
    const { style } = this.o;
    if (style.totalCount === 'none') return {};
    const shown = style.totalCount === 'stale' ? Math.floor(total * style.staleCountShare) : style.totalCount === 'page-size' ? limit : total;
    return { 'x-total-count': String(shown), 'x-result-count': String(count) };
  }

  // -------------------------------------------------------------------------------------------
  // Entities

  private getOne(v: ApiVersion, kind: string, id: string, call: Call): Reply {
    const { records, renderer } = this;
    const fieldsRaw = call.url.searchParams.get('fields');
    const fields = fieldsRaw ? fieldsRaw.split(',').map((f) => f.trim()).filter(Boolean) : undefined;
    const send = (obj: object, cached?: string) => ({ status: 200, body: fields ? JSON.stringify(project(obj, fields)) : (cached ?? JSON.stringify(obj)) });
    if (kind === 'productOffering') {
      const r = records.findByKey(id);
      if (r && records.malformOf(r) !== 'missing-id') return fields ? send(renderer.renderOffering(v, r)) : { status: 200, body: renderer.offeringJson(v, r) };
    } else if (kind === 'productOfferingPrice') {
      const pm = /^pop-(\d+)-(.+)$/.exec(id);
      const rec = pm ? records.findByKey(pm[2] as string) : undefined;
      const n = Number(pm?.[1]);
      if (rec && n >= 1 && n <= records.pricesOf(rec)) return fields ? send(renderer.renderPop(v, rec, n)) : { status: 200, body: renderer.popJson(v, rec, n) };
    } else {
      const f: Family | undefined = FAMILIES.find((x) => (kind === 'category' ? `cat-${slug(x)}` : `ps-${slug(x)}`) === id);
      if (f) return send(kind === 'category' ? renderer.renderCategory(v, f) : renderer.renderSpec(v, f));
    }
    return tmfError(404, 'Not Found', `No ${kind[0]?.toUpperCase()}${kind.slice(1)} with id ${id}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Simulator

export async function startXivaSimulator(o: XivaOptions = {}): Promise<RunningXivaSimulator> {
  const seed = o.seed ?? 1;
  const currency = o.currency ?? 'SAR';
  const style: XivaServerStyle = {
    lastUpdateFilter: o.lastUpdateFilter ?? (o.supportsLastUpdateFilter === false ? 'none' : 'both'),
    totalCount: o.totalCount ?? 'exact',
    staleCountShare: o.staleCountShare ?? 0.5,
    linkNext: o.linkNext ?? false,
    partialStatus: o.partialStatus ?? 206,
  };
  const apiOptions: XivaApiOptions = {
    apiVersion: o.apiVersion ?? 'both',
    pagingStyle: o.pagingStyle ?? 'tmf',
    style,
    credentials: { email: o.email ?? XIVA_DEFAULT_CREDENTIALS.email, password: o.password ?? XIVA_DEFAULT_CREDENTIALS.password },
    accessTtl: o.tokenTtlSeconds ?? 7200,
  };
  // The records render their v5 form for store.all(); the renderer reads the records.
  const records: XivaRecords = new XivaRecords(
    { seed, currency, catalogOf: o.catalogOf ?? 'xiva', items: o.items ?? 200, malformedRate: o.faults?.malformedRate ?? 0 },
    (rec) => renderer.renderOffering('v5', rec),
  );
  const renderer = new XivaRenderer(records, currency, o.priceStyle);
  const api = new XivaApi(records, renderer, apiOptions);
  const { store } = records;
  const expireTokens = () => {
    api.tokenGeneration += 1;
  };
  const setFaults = (patch: Partial<FaultConfig>) => {
    core.faults.set(patch);
    if (patch.malformedRate !== undefined) records.setMalformedRate(patch.malformedRate);
  };

  const core = await startHttpCore({
    system: 'xiva',
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    seed,
    faults: o.faults ?? {},
    handle: (call) => api.handle(call),
    faultReplies: xivaFaultReplies,
    store: store as SimulatorStore<unknown>,
    setFaults,
    expireTokens,
    counts: () => records.counts(),
    describe: () => ({
      credentials: apiOptions.credentials,
      basePaths: { v5: apiOptions.apiVersion !== 'v4' ? XIVA_V5_BASE : null, v4: apiOptions.apiVersion !== 'v5' ? XIVA_V4_BASE : null, auth: XIVA_AUTH_BASE },
      apiVersion: apiOptions.apiVersion,
      priceStyle: o.priceStyle ?? 'default (v5 embedded, v4 referenced)',
      pagingStyle: apiOptions.pagingStyle,
      supportsLastUpdateFilter: style.lastUpdateFilter !== 'none',
      ...style,
    }),
  });
  api.core = core;
  renderer.origin = core.url;

  return {
    url: core.url,
    port: core.port,
    close: core.close,
    setFaults,
    store,
    stats: core.stats,
    expireTokens,
    setServerStyle: (patch) => {
      Object.assign(style, patch);
    },
  };
}

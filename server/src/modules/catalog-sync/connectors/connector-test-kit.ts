/** Shared by the connector tests: a fast-retrying HttpClient, a read driver and field comparison. */
import type { ExpectedProduct } from '@lyra/simulators';
import { expect } from 'vitest';
import { HttpClient } from '../../../lib/http-client.js';
import type { ConnectorConfig, Connector, ConnectorPage, ItemError, ReadOptions, ReadResult, SourceItem, SyncCursor } from './types.js';

/** The fault mix of the brief: 10% 5xx, 10% 429 (Retry-After 0), 5% drops, 2% malformed, mutations. */
export const FAULTS = { errorRate: 0.1, rateLimitRate: 0.1, retryAfterSeconds: 0, dropRate: 0.05, malformedRate: 0.02, mutateWhilePaging: 2 };

export function testHttp(baseUrl: string): HttpClient {
  return new HttpClient(baseUrl, { timeoutMs: 5_000, maxRetries: 8, rateLimitPerMinute: 0, budgetMs: 60_000, backoffBaseMs: 5, backoffMaxMs: 50 });
}

export function configFor(systemType: ConnectorConfig['systemType'], baseUrl: string, auth: Partial<ConnectorConfig['auth']> & Pick<ConnectorConfig['auth'], 'type'>, extra: Partial<ConnectorConfig> = {}): ConnectorConfig {
  return {
    systemType,
    baseUrl,
    apiVersion: null,
    auth: { username: null, secret: null, headerName: null, tokenUrl: null, ...auth },
    defaultCurrency: null,
    categoryTypeMap: {},
    options: {},
    ...extra,
  };
}

export interface ReadOutcome {
  result: ReadResult;
  /** Last emission per id: what the engine ends up holding. */
  latest: Map<string, SourceItem>;
  emissions: SourceItem[];
  errors: ItemError[];
  pages: ConnectorPage[];
  logs: string[];
}

/** `afterPage`: called once each page has been taken (its number, from 1), before the next is asked for. */
export async function readAll(connector: Connector, opts: Partial<ReadOptions> = {}, afterPage?: (page: number) => void): Promise<ReadOutcome> {
  const logs: string[] = [];
  const gen = connector.read({ mode: 'full', cursor: null, lookbackMs: 5 * 60_000, signal: new AbortController().signal, log: (m) => logs.push(m), ...opts });
  const out: Omit<ReadOutcome, 'result'> = { latest: new Map(), emissions: [], errors: [], pages: [], logs };
  let step = await gen.next();
  while (!step.done) {
    out.pages.push(step.value);
    out.errors.push(...step.value.errors);
    for (const it of step.value.items) {
      out.emissions.push(it);
      out.latest.set(it.externalId, it);
    }
    afterPage?.(out.pages.length);
    step = await gen.next();
  }
  return { ...out, result: step.value };
}

/** The engine's cursor after a run: the greatest (updatedAt, id) seen. */
export function cursorAfter(items: Iterable<SourceItem>): SyncCursor | null {
  let best: SyncCursor | null = null;
  for (const it of items) {
    if (!it.updatedAt) continue;
    if (!best || it.updatedAt > best.updatedAt || (it.updatedAt === best.updatedAt && it.externalId > best.id)) best = { updatedAt: it.updatedAt, id: it.externalId };
  }
  return best;
}

/** The fields ExpectedProduct describes, as the connector mapped them. */
export function asExpected(it: SourceItem): ExpectedProduct {
  const p = it.product;
  return {
    external_product_id: it.externalId,
    name: p.name,
    price: p.price ?? '(null)',
    currency: p.currency,
    recurring: p.recurring,
    billing_cycle: p.billing_cycle,
    product_type: p.product_type,
    features: p.features,
    is_active: p.is_active,
  };
}

/** Mapped vs ground truth for every valid id; a missing item shows up as undefined. */
export function compareAll(latest: Map<string, SourceItem>, store: { validIds(): string[]; expected(id: string): ExpectedProduct | undefined }) {
  const ids = store.validIds().sort();
  const got = ids.map((id) => {
    const it = latest.get(id);
    return it ? asExpected(it) : undefined;
  });
  return { got, want: ids.map((id) => store.expected(id)) };
}

/**
 * Ids emitted again with nothing changed since their previous emission: what de-duplication
 * must prevent. (A record that changes and changes back must go out again, so only consecutive
 * emissions of one id are compared.)
 */
export function repeatedEmissions(emissions: SourceItem[]): string[] {
  const previous = new Map<string, string>();
  const repeats: string[] = [];
  for (const it of emissions) {
    const key = `${it.version}@${JSON.stringify(it.product)}`;
    if (previous.get(it.externalId) === key) repeats.push(it.externalId);
    previous.set(it.externalId, key);
  }
  return repeats;
}

/**
 * A read under faults and mutations ended with exactly the store's valid ids at their current
 * content, each version emitted once. Anything else emitted was deleted during the run: the
 * next full sync retires it.
 */
export function expectExactlyValid(r: ReadOutcome, store: { validIds(): string[]; expected(id: string): ExpectedProduct | undefined }): void {
  const valid = new Set(store.validIds());
  for (const id of valid) expect(r.latest.has(id), id).toBe(true);
  for (const id of r.latest.keys()) if (!valid.has(id)) expect(store.expected(id)).toBeUndefined();
  expect(repeatedEmissions(r.emissions)).toEqual([]);
  const { got, want } = compareAll(r.latest, store);
  expect(got).toEqual(want);
}

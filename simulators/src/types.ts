/** Public types shared by the three simulators (re-exported from index.ts). */

export interface FaultConfig {
  /** Share of requests answered 500/502/503 (0..1). */
  errorRate: number;
  /** Share of requests answered 429 with Retry-After. */
  rateLimitRate: number;
  /** Value of Retry-After on 429 and 503 answers. */
  retryAfterSeconds: number;
  /** Delay added to every request before it is answered. */
  latencyMs: number;
  /** Share of requests whose socket is destroyed before or during the answer. */
  dropRate: number;
  /** Share of catalog items that are permanently malformed (chosen per item from the seed). */
  malformedRate: number;
  /** On each list page served after the first, mutate this many random items (change, delete or create). */
  mutateWhilePaging: number;
  /** Share of requests that are never answered, so the client's timeout must fire. */
  timeoutRate: number;
  /**
   * Share of error answers (status >= 400, faults included) replaced by a debug page that quotes
   * the request: its body (passwords, client secrets) and headers (Authorization). A server left in
   * debug mode; the client must keep none of it.
   */
  echoRequestRate: number;
}

export interface SimulatorOptions {
  /** 0 = random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Catalog size at start, default 200. */
  items?: number;
  /** Default 1. Same seed -> same catalog, same malformed items, same fault sequence. */
  seed?: number;
  /** ISO 4217 code of the catalog prices, default SAR. */
  currency?: string;
  /**
   * Whose catalog this simulator renders (default its own). With the same seed, a CRM or billing
   * simulator given 'xiva' knows the same offers as the Xiva simulator (names, prices, cycles), under
   * its own ids, as an operator's BSS, CRM and billing do.
   */
  catalogOf?: 'xiva' | 'crm' | 'billing';
  faults?: Partial<FaultConfig>;
  /** Lifetime of access tokens (Xiva JWT access, CRM session). Fractions allowed, e.g. 0.5. */
  tokenTtlSeconds?: number;
}

export interface SimulatorStats {
  /** Every request except the /__sim control endpoints. */
  requests: number;
  /** HTTP status -> count; plus "dropped" (socket destroyed) and "timeout" (never answered). */
  byStatus: Record<string, number>;
  tokensIssued: number;
}

export interface RunningSimulator<TItem> {
  /** Origin, e.g. http://127.0.0.1:41234 (Xiva API paths start with /api, see XIVA_V5_BASE). */
  url: string;
  port: number;
  close(): Promise<void>;
  setFaults(f: Partial<FaultConfig>): void;
  store: SimulatorStore<TItem>;
  stats(): SimulatorStats;
  /** Invalidates every token issued so far (the next data request answers 401). */
  expireTokens(): void;
}

export interface SimulatorStore<TItem> {
  /** Current raw items as served (including malformed and, for billing, archived/deleted). */
  all(): TItem[];
  /** Ids a correct client must end up holding as present (not deleted; malformed excluded). */
  validIds(): string[];
  /** Ids of malformed records (records malformed by a missing id are not listed). */
  malformedIds(): string[];
  /** Modify n items (price and/or name) and bump their lastUpdate/version; returns ids. */
  change(n: number): string[];
  /** Delete n items; returns ids. */
  remove(n: number): string[];
  /** Create n new items; returns the ids of those that have one. */
  add(n: number): string[];
  /** The next full listing serves only `keep` items then ends normally. */
  truncateNextListing(keep: number): void;
  /** What the item must map to; undefined for unknown, deleted and malformed ids. */
  expected(id: string): ExpectedProduct | undefined;
}

export type BillingCycle = 'daily' | 'weekly' | 'monthly' | 'quarterly' | 'yearly' | 'one_time';
export type ProductType = 'voice' | 'data' | 'sms' | 'bundle' | 'device' | 'service' | 'addon';

export interface ProductFeatures {
  /** Gigabytes (1 GB = 1024 MB); -1 means unlimited. */
  data_gb?: number;
  /** Minutes; -1 means unlimited. */
  voice_minutes?: number;
  /** Messages; -1 means unlimited. */
  sms?: number;
}

export interface ExpectedProduct {
  external_product_id: string;
  name: string;
  /** Exact decimal with the currency's minor units, e.g. "49.00", "1.500" (KWD), "980" (JPY). */
  price: string;
  currency: string;
  recurring: boolean;
  billing_cycle: BillingCycle;
  product_type: ProductType;
  features: ProductFeatures;
  is_active: boolean;
}

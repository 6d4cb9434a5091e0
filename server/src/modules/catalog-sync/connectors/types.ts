import type { BillingCycle, ProductType } from '@lyra/contracts';
import type { HttpClient } from '../../../lib/http-client.js';
import type { CategoryTypeMap } from './common.js';

export type SystemType = 'xiva' | 'crm' | 'billing';
export type SyncMode = 'full' | 'incremental';

/** Where an incremental read resumes: the source's modification stamp and id of the last item committed. */
export interface SyncCursor {
  updatedAt: string; // ISO 8601 UTC
  id: string;
}

/** The source-owned fields of a Product, mapped from one source record. Lyra-owned fields are never here. */
export interface MappedProduct {
  name: string;
  description: string;
  product_type: ProductType;
  category: string;
  price: string | null; // exact decimal at the currency's minor units
  currency: string; // ISO 4217
  recurring: boolean;
  billing_cycle: BillingCycle;
  features: Record<string, unknown>; // allowances: data_gb, voice_minutes, sms, ...
  attributes: Record<string, unknown>; // lifecycle_status, is_bundle, is_sellable, valid_for, raw fields worth keeping
  is_active: boolean;
  is_available: boolean;
  valid_from: string | null;
  valid_to: string | null;
}

export interface SourceItem {
  externalId: string;
  /** Source version marker (TMF version/lastUpdate, resource_version, SystemModstamp). */
  version: string | null;
  /** Source modification time, UTC ISO; drives the incremental cursor. */
  updatedAt: string | null;
  product: MappedProduct;
}

/** A record that could not be mapped: skipped and reported, the run goes on. */
export interface ItemError {
  externalId: string | null;
  position: number;
  reason: string;
}

export interface ConnectorPage {
  items: SourceItem[];
  errors: ItemError[];
  /** Items read so far (valid + invalid) and the total when the source tells it (a hint only). */
  read: number;
  total: number | null;
}

export interface ReadResult {
  /** The mode actually used (an incremental request may fall back to a full scan). */
  mode: SyncMode;
  /** True only when a full read saw the whole catalog: the condition for retiring missing items. */
  completeSnapshot: boolean;
  /** Why a full read is not a complete snapshot (shown on the run). */
  incompleteReason?: string;
  /** Ids the source explicitly reported deleted (CRM deleted-records endpoint). */
  deletedIds: string[];
  /** Set when the source cannot answer an incremental read (deleted-records window expired...). */
  needsFullSync?: string;
}

export interface ReadOptions {
  mode: SyncMode;
  cursor: SyncCursor | null;
  /** Re-read this far behind the cursor: idempotent upserts make overlap harmless, gaps are not. */
  lookbackMs: number;
  /**
   * When the last successful run of this system started: explicit deletions (CRM deleted records)
   * must be read from there, not from the data cursor, which stands still while a catalog is quiet.
   */
  lastRunStartedAt?: string | null;
  signal: AbortSignal;
  /**
   * Called by the connector for progress lines that are not pages (e.g. "fetching prices");
   * 'warn' for what an administrator should look at (a listing that did not finish, a filter the
   * server ignores).
   */
  log?: (message: string, level?: 'info' | 'warn') => void;
}

export interface ConnectionTestResult {
  ok: boolean;
  message: string; // e.g. "v5, 1,234 offerings"
  details: Record<string, unknown>;
}

/**
 * One implementation per system type. `read` yields pages and returns how complete the read was;
 * everything about HTTP (timeouts, retries, Retry-After, token refresh, rate limits) is in the
 * HttpClient it is given.
 */
export interface Connector {
  test(signal: AbortSignal): Promise<ConnectionTestResult>;
  read(opts: ReadOptions): AsyncGenerator<ConnectorPage, ReadResult, void>;
}

export type AuthType = 'jwt' | 'oauth2_client_credentials' | 'bearer' | 'basic' | 'api_key' | 'none';

/** What a connector factory receives: the system's settings with secrets decrypted. */
export interface ConnectorConfig {
  systemType: SystemType;
  baseUrl: string;
  apiVersion: string | null; // xiva: v4 | v5
  auth: {
    type: AuthType;
    username: string | null; // jwt email/username, basic user, oauth2 client_id
    secret: string | null; // password / client_secret / bearer token / api key
    headerName: string | null; // api_key header
    tokenUrl: string | null; // oauth2 token endpoint (default per connector)
  };
  defaultCurrency: string | null;
  /** The administrator's category name -> product type mapping (see inferProductType). */
  categoryTypeMap: CategoryTypeMap;
  options: Record<string, unknown>;
}

export interface ConnectorFactory {
  systemType: SystemType;
  /** Auth types this system accepts, the first is the default. */
  authTypes: AuthType[];
  create(config: ConnectorConfig, http: HttpClient): Connector;
}

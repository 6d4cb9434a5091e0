/**
 * The Xiva simulator's wire format (TMF620 offerings and prices), its paths and options, shared by
 * the records (xiva.records.ts), their rendering (xiva.render.ts) and the HTTP handlers (xiva.ts).
 */
import type { SimulatorOptions } from './types.js';

export const XIVA_V5_BASE = '/api/productCatalogManagement/v5/';
export const XIVA_V4_BASE = '/api/tmf-api/productCatalogManagement/v4/';
export const XIVA_AUTH_BASE = '/api/auth/jwt/';
export const XIVA_DEFAULT_CREDENTIALS = { email: 'lyra@operator.example', password: 'xiva-secret' };

export type ApiVersion = 'v4' | 'v5';

export interface XivaOptions extends SimulatorOptions {
  apiVersion?: 'v4' | 'v5' | 'both';
  priceStyle?: 'embedded' | 'referenced' | 'mixed';
  pagingStyle?: 'tmf' | 'bare-capped';
  /** Shorthand kept for older callers: false = lastUpdateFilter 'none'. */
  supportsLastUpdateFilter?: boolean;
  /**
   * Which lastUpdate lower-bound operators the list honours: 'both' (default), only 'gt' or
   * only 'gte' (the other is ignored, as Django filter backends ignore unknown parameters), or
   * 'none'. Upper bounds (.lt/.lte) work whenever any form does.
   */
  lastUpdateFilter?: 'both' | 'gt' | 'gte' | 'none';
  /**
   * What X-Total-Count says on lists ('tmf' paging only; TMF630 calls it a hint): 'exact'
   * (default); 'stale', a cached count, `staleCountShare` of the real number (below 1: items were
   * added since, above 1: items were deleted since); 'page-size', the page size, as some servers
   * send; 'none', no count headers at all (nor X-Result-Count).
   */
  totalCount?: 'exact' | 'stale' | 'page-size' | 'none';
  /** Share of the real count a 'stale' count shows, default 0.5. */
  staleCountShare?: number;
  /** Send `Link: <...offset=...>; rel="next"` on pages that have a next one (default false). */
  linkNext?: boolean;
  /** 206 on a page that is not the whole result (default), or 200 on every page. */
  partialStatus?: 206 | 200;
  email?: string;
  password?: string;
}

export interface TmfMoney {
  unit: string;
  /** A JSON float; a string only in malformed offerings. */
  value: number | string;
}

export interface TmfRef {
  id: string;
  href?: string;
  name: string;
}

export interface XivaEmbeddedPrice {
  id: string;
  href: string;
  name: string;
  priceType: 'recurring' | 'oneTime';
  /** v5. */
  recurringChargePeriodType?: string;
  /** v4.1 ProductOfferingPriceRefOrValue. */
  recurringChargePeriod?: string;
  recurringChargePeriodLength: number;
  price: { taxIncludedAmount: TmfMoney; dutyFreeAmount: TmfMoney; taxRate: number };
  '@type': 'ProductOfferingPrice';
}

export interface XivaPriceRef {
  id: string;
  href: string;
  name: string;
  '@referredType': 'ProductOfferingPrice';
}

export interface XivaProductOfferingPrice {
  id: string;
  href: string;
  name: string;
  description: string;
  version: string;
  lastUpdate: string;
  lifecycleStatus: string;
  isBundle: false;
  priceType: 'recurring' | 'oneTime';
  recurringChargePeriodType?: string;
  recurringChargePeriodLength: number;
  price: TmfMoney;
  tax: Array<{ taxCategory: string; taxRate: number; taxAmount: TmfMoney }>;
  validFor: { startDateTime: string };
  '@type': 'ProductOfferingPrice';
}

export interface XivaCharValueUse {
  name: string;
  valueType: string;
  productSpecCharacteristicValue: Array<{ value: string; unitOfMeasure: string; isDefault: boolean; valueType: string }>;
}

export interface XivaOffering {
  id?: string;
  href?: string;
  name?: string;
  description: string;
  version: string;
  lastUpdate: string;
  lifecycleStatus: string;
  isBundle: boolean;
  isSellable: boolean;
  validFor: { startDateTime: string; endDateTime?: string };
  category: TmfRef[];
  productSpecification: TmfRef;
  marketSegment: TmfRef[];
  channel: TmfRef[];
  characteristic: Array<{ name: string; value: string; valueType: string }>;
  prodSpecCharValueUse?: XivaCharValueUse[];
  productOfferingPrice: Array<XivaEmbeddedPrice | XivaPriceRef>;
  '@type': 'ProductOffering';
}

/** How the server describes and filters its lists; changeable while it runs (setServerStyle). */
export type XivaServerStyle = Required<Pick<XivaOptions, 'lastUpdateFilter' | 'totalCount' | 'staleCountShare' | 'linkNext' | 'partialStatus'>>;

export const slug = (s: string) => s.toLowerCase().replace(/&/g, 'and').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export function rfc3339(ms: number, plusThree: boolean): string {
  if (!plusThree) return new Date(ms).toISOString();
  return new Date(ms + 3 * 3_600_000).toISOString().replace('Z', '+03:00');
}

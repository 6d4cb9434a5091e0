/**
 * The CRM simulator's wire format (Salesforce REST): record shapes, ids, dates and the paths the
 * API answers on. Shared by the records (crm.records.ts), the SOQL parser (soql.ts) and the HTTP
 * handlers (crm.ts).
 */
import type { BillingCycle, ProductType } from './types.js';

export const CRM_API_VERSION = 'v59.0';
export const CRM_TOKEN_PATH = '/services/oauth2/token';
export const CRM_QUERY_PATH = `/services/data/${CRM_API_VERSION}/query`;
export const CRM_DEFAULT_CREDENTIALS = { clientId: '3MVG9LyraSimulatorClientId', clientSecret: 'crm-secret' };

// ---------------------------------------------------------------------------------------------
// Salesforce-like ids

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * 15-character id (key prefix, pod "5g", zero run, base62 counter) plus Salesforce's real
 * 3-character case checksum. Base62 digits are in ASCII order, so ids sort like counters.
 */
export function sfId(prefix: string, n: number): string {
  let digits = '';
  for (let i = 0; i < 6; i++) {
    digits = BASE62[n % 62] + digits;
    n = Math.floor(n / 62);
  }
  const id15 = `${prefix}5g0000${digits}`;
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += CHECKSUM[bits];
  }
  return id15 + suffix;
}

export const CRM_STANDARD_PRICEBOOK_ID = sfId('01s', 1);
export const CRM_CORPORATE_PRICEBOOK_ID = sfId('01s', 2);

/** Salesforce's datetime format: 2026-11-20T10:15:30.000+0000. */
export function sfDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** Salesforce keeps whole seconds, which makes equal SystemModstamps common. */
export const toSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

// ---------------------------------------------------------------------------------------------
// Wire types

export interface SfAttributes {
  type: string;
  url: string;
}

export interface CrmProduct {
  attributes?: SfAttributes;
  Id: string | null;
  ProductCode: string;
  Name: string | null;
  Description: string;
  Family: string;
  IsActive: boolean;
  IsArchived: boolean;
  IsDeleted: boolean;
  CurrencyIsoCode: string;
  QuantityUnitOfMeasure: string;
  CreatedDate: string;
  LastModifiedDate: string;
  SystemModstamp: string;
  Product_Type__c: string;
  Billing_Frequency__c: string;
  Data_GB__c: number | null;
  Voice_Minutes__c: number | null;
  SMS__c: number | null;
}

export interface CrmPricebookEntry {
  attributes?: SfAttributes;
  Id: string;
  Name: string | null;
  Pricebook2Id: string;
  Product2Id: string | null;
  ProductCode: string;
  UnitPrice: number | string;
  CurrencyIsoCode: string;
  IsActive: boolean;
  UseStandardPrice: boolean;
  IsDeleted: boolean;
  CreatedDate: string;
  LastModifiedDate: string;
  SystemModstamp: string;
}

export const FREQUENCY: Record<BillingCycle, string> = {
  daily: 'Daily',
  weekly: 'Weekly',
  monthly: 'Monthly',
  quarterly: 'Quarterly',
  yearly: 'Yearly',
  one_time: 'One-Time',
};
export const TYPE_LABEL: Record<ProductType, string> = {
  bundle: 'Bundle',
  data: 'Data',
  voice: 'Voice',
  sms: 'SMS',
  device: 'Device',
  service: 'Service',
  addon: 'Add-on',
};
export const FAMILY_CODE: Record<string, string> = {
  'Postpaid Plans': 'POST',
  'Prepaid Plans': 'PRE',
  'Data Bundles': 'DATA',
  'Voice Packs': 'VOICE',
  'SMS Packs': 'SMS',
  Roaming: 'ROAM',
  Devices: 'DEV',
  'Value Added Services': 'VAS',
  'Add-ons': 'ADD',
};

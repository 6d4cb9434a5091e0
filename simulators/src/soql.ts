/**
 * The SOQL subset the CRM simulator understands (case-insensitive, lenient where Salesforce
 * users commonly slip):
 *   SELECT <fields> | COUNT() FROM Product2 | PricebookEntry
 *   [WHERE <field> <op> <value> [AND ...]] [ORDER BY Id | SystemModstamp[, Id] | LastModifiedDate[, Id]] [LIMIT n]
 * Anything else is rejected with Salesforce's error codes (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE).
 */
import type { CrmPricebookEntry, CrmProduct } from './crm.wire.js';

export type SObject = 'Product2' | 'PricebookEntry';

const PRODUCT_FIELDS: Array<keyof CrmProduct> = [
  'Id', 'ProductCode', 'Name', 'Description', 'Family', 'IsActive', 'IsArchived', 'IsDeleted', 'CurrencyIsoCode',
  'QuantityUnitOfMeasure', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'Product_Type__c',
  'Billing_Frequency__c', 'Data_GB__c', 'Voice_Minutes__c', 'SMS__c',
];
const PBE_FIELDS: Array<keyof CrmPricebookEntry> = [
  'Id', 'Name', 'Pricebook2Id', 'Product2Id', 'ProductCode', 'UnitPrice', 'CurrencyIsoCode', 'IsActive',
  'UseStandardPrice', 'IsDeleted', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp',
];
const FIELDS: Record<SObject, readonly string[]> = { Product2: PRODUCT_FIELDS, PricebookEntry: PBE_FIELDS };
const DATE_FIELDS = new Set(['CreatedDate', 'LastModifiedDate', 'SystemModstamp']);

interface Condition {
  field: string;
  op: '=' | '!=' | '>' | '>=' | '<' | '<=' | 'in';
  value: unknown;
}

export interface Query {
  object: SObject;
  fields: string[];
  count: boolean;
  conditions: Condition[];
  order: 'Id' | 'SystemModstamp';
  limit?: number;
}

/** SOQL datetime literal (unquoted): 2026-01-01T00:00:00Z, ...000+0000, ...+03:00; a '+' lost to URL decoding is restored. */
function parseSoqlDate(raw: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})$/i.exec(raw.trim().replace(/ (\d{2}:?\d{2})$/, '+$1'));
  if (!m) return Number.NaN;
  const zone = (m[2] as string).toUpperCase() === 'Z' ? 'Z' : (m[2] as string).replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  return Date.parse(`${m[1]}${zone}`);
}

function parseLiteral(raw: string): unknown {
  const s = raw.trim();
  if (/^'.*'$/s.test(s)) return s.slice(1, -1).replace(/\\'/g, "'");
  if (/^(true|false)$/i.test(s)) return s.toLowerCase() === 'true';
  if (/^null$/i.test(s)) return null;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  const d = parseSoqlDate(s);
  if (!Number.isNaN(d)) return d;
  throw new SoqlError('MALFORMED_QUERY', `unexpected token: ${s}`);
}

export class SoqlError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function canonicalField(object: SObject, name: string): string {
  const f = FIELDS[object].find((x) => x.toLowerCase() === name.trim().toLowerCase());
  if (!f) throw new SoqlError('INVALID_FIELD', `No such column '${name.trim()}' on entity '${object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.`);
  return f;
}

/** Lenient parser for the subset Lyra needs; anything else is MALFORMED_QUERY (or INVALID_FIELD / INVALID_TYPE). */
export function parseSoql(q: string): Query {
  const m = /^\s*select\s+([\s\S]+?)\s+from\s+(\w+)(?:\s+where\s+([\s\S]+?))?(?:\s+order\s+by\s+([\s\S]+?))?(?:\s+limit\s+(\d+))?\s*$/i.exec(q);
  if (!m) throw new SoqlError('MALFORMED_QUERY', `unexpected token in query: ${q.slice(0, 80)}`);
  const object = (['Product2', 'PricebookEntry'] as const).find((o) => o.toLowerCase() === (m[2] as string).toLowerCase());
  if (!object) throw new SoqlError('INVALID_TYPE', `sObject type '${m[2]}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`);
  const selectList = (m[1] as string).trim();
  const count = /^count\(\s*\)$/i.test(selectList);
  const fields = count ? [] : selectList.split(',').map((f) => canonicalField(object, f));
  const conditions: Condition[] = [];
  if (m[3]) {
    for (const part of m[3].split(/\s+and\s+/i)) {
      const inMatch = /^\s*(\w+)\s+in\s*\(([\s\S]*)\)\s*$/i.exec(part);
      if (inMatch) {
        conditions.push({ field: canonicalField(object, inMatch[1] as string), op: 'in', value: (inMatch[2] as string).split(',').map(parseLiteral) });
        continue;
      }
      const c = /^\s*\(?\s*(\w+)\s*(>=|<=|!=|<>|=|>|<)\s*(.+?)\s*\)?\s*$/.exec(part);
      if (!c || /\s+or\s+/i.test(part)) throw new SoqlError('MALFORMED_QUERY', `unsupported condition: ${part.trim()}`);
      const op = c[2] === '<>' ? '!=' : (c[2] as Condition['op']);
      const field = canonicalField(object, c[1] as string);
      let value = parseLiteral(c[3] as string);
      // Lenient: a quoted datetime on a date field is read as the datetime Salesforce would expect.
      if (DATE_FIELDS.has(field) && typeof value === 'string') value = parseSoqlDate(value);
      if (DATE_FIELDS.has(field) && (typeof value !== 'number' || Number.isNaN(value))) {
        throw new SoqlError('MALFORMED_QUERY', `value of filter criterion for field '${field}' must be of type dateTime and should not be enclosed in quotes`);
      }
      conditions.push({ field, op, value });
    }
  }
  let order: Query['order'] = 'Id';
  if (m[4]) {
    const keys = m[4].split(',').map((k) => k.trim().replace(/\s+asc$/i, ''));
    const names = keys.map((k) => canonicalField(object, k));
    const byStamp = names[0] === 'SystemModstamp' || names[0] === 'LastModifiedDate';
    if (keys.some((k) => /\s+desc$|\s+nulls\s+/i.test(k))) throw new SoqlError('MALFORMED_QUERY', 'only ascending ORDER BY is supported');
    if (names.length === 1 && names[0] === 'Id') order = 'Id';
    else if (byStamp && (names.length === 1 || (names.length === 2 && names[1] === 'Id'))) order = 'SystemModstamp';
    else throw new SoqlError('MALFORMED_QUERY', 'supported orderings: ORDER BY Id, ORDER BY SystemModstamp[, Id], ORDER BY LastModifiedDate[, Id]');
  }
  const query: Query = { object, fields, count, conditions, order };
  if (m[5]) query.limit = Number(m[5]);
  return query;
}

export function matches(a: unknown, op: Condition['op'], b: unknown): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case 'in':
      return (b as unknown[]).includes(a);
    case '>':
      return (a as number) > (b as number);
    case '>=':
      return (a as number) >= (b as number);
    case '<':
      return (a as number) < (b as number);
    case '<=':
      return (a as number) <= (b as number);
  }
}

import { closest, distance } from 'fastest-levenshtein';
import { SegmentedMessage } from 'sms-segments-calculator';
import { z } from 'zod';
import { currencyExponent } from './currencies.js';
import type { BillingCycle } from './products.js';

/**
 * Campaign message templates: `Hi {first_name}, get {offer_name} for {price} {currency}`.
 *
 * One module for the builder's live counter (web) and for rendering each contact (server), so the
 * count a marketer sees is the count the SMSC bills. Rendering is one pass over the parsed
 * template: a value that itself contains `{...}` (a subscriber named "{price}") is never expanded.
 */

// ---------------------------------------------------------------------------------------------
// The placeholders

/**
 * `gsm_basic`: the value is digits, '.', or A-Z (one GSM-7 septet per character) unless a fallback
 * or the "unlimited" word says otherwise. `any`: free text from subscriber or catalog data (an
 * Arabic name makes the whole message UCS-2).
 */
export type PlaceholderCharset = 'gsm_basic' | 'any';

export interface PlaceholderSpec {
  source: 'subscriber' | 'offer';
  /**
   * Longest rendered value, in UTF-16 code units. Text values are cut to it (on a character
   * boundary); a number that would not fit counts as missing and gets the fallback (a price is
   * never cut). So every rendered value fits, and the worst-case count is a true upper bound.
   */
  maxLength: number;
  charset: PlaceholderCharset;
  /** What a missing value renders as, unless the campaign gives its own. */
  fallback: string;
  /** -1, any negative number or "unlimited" in the catalog means unlimited (the connectors' convention). */
  unlimited: boolean;
  description: string;
}

/**
 * The documented set. Subscriber values come from the customer record (`name`, `msisdn`), offer
 * values from the catalog product (`name`, `price`, `currency`, `billing_cycle`, and the
 * allowances the connectors put in `features`: `data_gb`, `voice_minutes`, `sms`, and
 * `validity_days` when a source carries it).
 */
export const MESSAGE_PLACEHOLDERS = {
  first_name: {
    source: 'subscriber', maxLength: 20, charset: 'any', fallback: 'Customer', unlimited: false,
    description: "The first word of the subscriber's name",
  },
  full_name: {
    source: 'subscriber', maxLength: 40, charset: 'any', fallback: 'Customer', unlimited: false,
    description: "The subscriber's name",
  },
  msisdn_last4: {
    source: 'subscriber', maxLength: 4, charset: 'gsm_basic', fallback: '', unlimited: false,
    description: "The last four digits of the subscriber's number",
  },
  offer_name: {
    source: 'offer', maxLength: 40, charset: 'any', fallback: '', unlimited: false,
    description: "The offered product's name",
  },
  price: {
    // The contracts' decimal allows 15 integer digits; with a 3-decimal currency that is 19 characters.
    source: 'offer', maxLength: 19, charset: 'gsm_basic', fallback: '', unlimited: false,
    description: "The offer's price with its currency's decimals (49.00, 1.500 for KWD), no symbol and no grouping",
  },
  currency: {
    source: 'offer', maxLength: 3, charset: 'gsm_basic', fallback: '', unlimited: false,
    description: "The ISO 4217 code of the offer's price (SAR)",
  },
  data_gb: {
    source: 'offer', maxLength: 12, charset: 'gsm_basic', fallback: '', unlimited: true,
    description: 'The data allowance in GB, up to two decimals (0.5, 10), or the unlimited word',
  },
  voice_minutes: {
    source: 'offer', maxLength: 12, charset: 'gsm_basic', fallback: '', unlimited: true,
    description: 'The voice allowance in minutes, or the unlimited word',
  },
  sms: {
    source: 'offer', maxLength: 12, charset: 'gsm_basic', fallback: '', unlimited: true,
    description: 'The SMS allowance, or the unlimited word',
  },
  validity_days: {
    source: 'offer', maxLength: 4, charset: 'gsm_basic', fallback: '', unlimited: false,
    description: "Days the offer lasts: the product's validity_days feature, else its billing cycle (daily 1, weekly 7, monthly 30, quarterly 90, yearly 365; none for one-time)",
  },
} as const satisfies Record<string, PlaceholderSpec>;

export type PlaceholderName = keyof typeof MESSAGE_PLACEHOLDERS;
export const PLACEHOLDER_NAMES = Object.keys(MESSAGE_PLACEHOLDERS) as [PlaceholderName, ...PlaceholderName[]];
export const MessagePlaceholder = z.enum(PLACEHOLDER_NAMES);

const isPlaceholderName = (s: string): s is PlaceholderName => Object.hasOwn(MESSAGE_PLACEHOLDERS, s);

/** The word an unlimited allowance renders as, unless the campaign gives its own (e.g. Arabic). */
export const DEFAULT_UNLIMITED_TEXT = 'unlimited';

/** Billing cycle -> days, for `{validity_days}` when the product has no validity of its own. */
export const CYCLE_VALIDITY_DAYS: Readonly<Record<BillingCycle, number | null>> = {
  daily: 1,
  weekly: 7,
  monthly: 30,
  quarterly: 90,
  yearly: 365,
  one_time: null,
};

// ---------------------------------------------------------------------------------------------
// Parsing

export type TemplateToken = { kind: 'text'; text: string } | { kind: 'placeholder'; name: PlaceholderName };

export type TemplateIssue =
  | { kind: 'unknown_placeholder'; index: number; placeholder: string; suggestion: PlaceholderName | null; message: string }
  | { kind: 'unclosed_brace'; index: number; message: string }
  | { kind: 'stray_brace'; index: number; message: string };

export interface ParsedTemplate {
  tokens: TemplateToken[];
  /** Each placeholder used, once, in order of first use. */
  placeholders: PlaceholderName[];
  /** Empty when the template may be saved. */
  issues: TemplateIssue[];
}

/**
 * The closest known name, or null when nothing is close: a suggestion for `{totally_wrong}` would
 * mislead more than it helps. Case, spaces and dashes are forgiven first (`{First Name}`).
 */
export function suggestPlaceholder(written: string): PlaceholderName | null {
  const key = written.trim().toLowerCase().replace(/[\s-]+/g, '_');
  if (key === '') return null;
  const best = closest(key, PLACEHOLDER_NAMES) as PlaceholderName;
  // About one edit per three characters: catches typos and swaps (frist_name), not other words.
  return distance(key, best) <= Math.max(1, Math.floor(key.length / 3)) ? best : null;
}

/**
 * `{name}` is a placeholder; `{{` and `}}` are a literal brace (both are GSM-7 extension
 * characters, so a message may legitimately contain them).
 */
export function parseTemplate(template: string): ParsedTemplate {
  const tokens: TemplateToken[] = [];
  const issues: TemplateIssue[] = [];
  const used = new Set<PlaceholderName>();
  let text = '';
  const flush = () => {
    if (text) tokens.push({ kind: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < template.length) {
    const ch = template[i]!;
    const next = template[i + 1];
    if ((ch === '{' && next === '{') || (ch === '}' && next === '}')) {
      text += ch;
      i += 2;
      continue;
    }
    if (ch === '}') {
      issues.push({ kind: 'stray_brace', index: i, message: `a "}" at character ${i + 1} closes nothing (write "}}" for a literal brace)` });
      text += ch;
      i += 1;
      continue;
    }
    if (ch !== '{') {
      text += ch;
      i += 1;
      continue;
    }
    const close = template.indexOf('}', i + 1);
    const reopen = template.indexOf('{', i + 1);
    const lineEnd = template.slice(i + 1).search(/[\r\n]/);
    if (close < 0 || (reopen >= 0 && reopen < close) || (lineEnd >= 0 && i + 1 + lineEnd < close)) {
      issues.push({ kind: 'unclosed_brace', index: i, message: `the "{" at character ${i + 1} is not closed (write "{{" for a literal brace)` });
      text += ch;
      i += 1;
      continue;
    }
    const inner = template.slice(i + 1, close);
    if (isPlaceholderName(inner)) {
      flush();
      tokens.push({ kind: 'placeholder', name: inner });
      used.add(inner);
    } else {
      const suggestion = suggestPlaceholder(inner);
      issues.push({
        kind: 'unknown_placeholder',
        index: i,
        placeholder: inner,
        suggestion,
        message: `unknown placeholder {${inner}}${suggestion ? `: did you mean {${suggestion}}?` : ''} (known: ${PLACEHOLDER_NAMES.map((n) => `{${n}}`).join(', ')})`,
      });
      text += template.slice(i, close + 1);
    }
    i = close + 1;
  }
  flush();
  return { tokens, placeholders: [...used], issues };
}

/** Longest template accepted (an SMS of 10 UCS-2 segments is 670 characters; room for e-mail later). */
export const MAX_TEMPLATE_LENGTH = 2000;

/** A template the API stores: refused with each issue's message when a placeholder is unknown or a brace is unbalanced. */
export const MessageTemplate = z
  .string()
  .trim()
  .min(1)
  .max(MAX_TEMPLATE_LENGTH)
  .superRefine((template, ctx) => {
    for (const issue of parseTemplate(template).issues) ctx.addIssue({ code: 'custom', message: issue.message });
  });

// ---------------------------------------------------------------------------------------------
// Rendering

/** The subscriber fields a message reads (a `Customer` fits). */
export interface MessageSubscriber {
  name?: string | null | undefined;
  msisdn?: string | null | undefined;
}

/** The offer fields a message reads (a catalog `Product` fits). */
export interface MessageOffer {
  name?: string | null | undefined;
  price?: string | null | undefined;
  currency?: string | null | undefined;
  billing_cycle?: BillingCycle | null | undefined;
  features?: Record<string, unknown> | null | undefined;
}

export interface RenderOptions {
  /** Per-placeholder text for a missing value, in place of the documented default. */
  fallbacks?: Partial<Record<PlaceholderName, string>> | undefined;
  /** What an unlimited allowance renders as (default "unlimited"). */
  unlimitedText?: string | undefined;
}

export interface ResolvedValue {
  value: string;
  /** `fallback`: the data had no usable value. */
  from: 'data' | 'fallback';
  /** The data's value was longer than the placeholder's maximum and was cut. */
  truncated: boolean;
}

export interface RenderedMessage {
  text: string;
  /** Placeholders the template uses whose value was missing (rendered as their fallback). */
  missing: PlaceholderName[];
  /** Placeholders the template uses whose value was cut to its maximum length. */
  truncated: PlaceholderName[];
}

export class TemplateError extends Error {
  constructor(readonly issues: TemplateIssue[]) {
    super(issues.map((i) => i.message).join('; '));
    this.name = 'TemplateError';
  }
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Cuts to at most `max` UTF-16 units without splitting a character (or an emoji sequence). */
function cutTo(value: string, max: number): string {
  if (value.length <= max) return value;
  let out = '';
  for (const { segment } of graphemes.segment(value)) {
    if (out.length + segment.length > max) break;
    out += segment;
  }
  return out;
}

/**
 * Subscriber and catalog text goes into an SMS as one line: control characters (a CR/LF typed
 * into a CRM field) become spaces and runs of blanks collapse, so data cannot reshape the message.
 */
function cleanText(value: string | null | undefined): string {
  // eslint-disable-next-line no-control-regex
  return (value ?? '').replace(/[\u0000-\u001f\u007f-\u009f\s]+/g, ' ').trim();
}

// en-US with grouping off: ASCII digits and '.', whatever the browser's or server's locale.
const decimalFormats = new Map<number, Intl.NumberFormat>();
function decimalFormat(fractionDigits: number): Intl.NumberFormat {
  let f = decimalFormats.get(fractionDigits);
  if (!f) {
    f = new Intl.NumberFormat('en-US', {
      minimumFractionDigits: fractionDigits,
      maximumFractionDigits: fractionDigits,
      useGrouping: false,
      roundingMode: 'halfExpand',
    });
    decimalFormats.set(fractionDigits, f);
  }
  return f;
}
const allowanceFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2, useGrouping: false, roundingMode: 'halfExpand' });

const DECIMAL_TEXT = /^\d{1,30}(\.\d{1,30})?$/;

/**
 * The price with its currency's decimals. Intl formats a numeric *string* as an exact decimal
 * (ECMA-402 NumberFormat v3), so "1.005" rounds half-up to "1.01" and no binary float is involved.
 */
export function formatPrice(price: string | null | undefined, currency: string | null | undefined): string | null {
  const p = (price ?? '').trim();
  if (!DECIMAL_TEXT.test(p)) return null;
  const exp = currencyExponent((currency ?? '').trim().toUpperCase());
  // An unknown currency keeps the decimals the catalog gave.
  const digits = exp ?? (p.split('.')[1]?.length ?? 0);
  return decimalFormat(digits).format(p as `${number}`);
}

type Allowance = { kind: 'unlimited' } | { kind: 'amount'; text: string };

function allowanceOf(raw: unknown): Allowance | null {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return null;
    return raw < 0 ? { kind: 'unlimited' } : { kind: 'amount', text: allowanceFormat.format(raw) };
  }
  if (typeof raw !== 'string') return null;
  const s = raw.trim();
  if (/^unlimited$/i.test(s)) return { kind: 'unlimited' };
  if (/^-\d+(\.\d+)?$/.test(s)) return { kind: 'unlimited' };
  return DECIMAL_TEXT.test(s) ? { kind: 'amount', text: allowanceFormat.format(s as `${number}`) } : null;
}

function validityDaysOf(offer: MessageOffer): string | null {
  const raw = offer.features?.validity_days;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (Number.isInteger(n) && n > 0) return String(n);
  const days = offer.billing_cycle ? CYCLE_VALIDITY_DAYS[offer.billing_cycle] : null;
  return days === null ? null : String(days);
}

/** The raw value of one placeholder from the data, before fallback and length rules; null when missing. */
function rawValue(name: PlaceholderName, subscriber: MessageSubscriber, offer: MessageOffer, unlimitedText: string): string | null {
  switch (name) {
    case 'first_name':
      return cleanText(subscriber.name).split(' ')[0] || null;
    case 'full_name':
      return cleanText(subscriber.name) || null;
    case 'msisdn_last4': {
      const digits = (subscriber.msisdn ?? '').replace(/\D/g, '');
      return digits.length >= 4 ? digits.slice(-4) : null;
    }
    case 'offer_name':
      return cleanText(offer.name) || null;
    case 'price':
      return formatPrice(offer.price, offer.currency);
    case 'currency': {
      const c = (offer.currency ?? '').trim().toUpperCase();
      return /^[A-Z]{3}$/.test(c) ? c : null;
    }
    case 'data_gb':
    case 'voice_minutes':
    case 'sms': {
      const a = allowanceOf(offer.features?.[name]);
      if (!a) return null;
      return a.kind === 'unlimited' ? unlimitedText : a.text;
    }
    case 'validity_days':
      return validityDaysOf(offer);
  }
}

/** Every placeholder's value for one subscriber and offer, after the fallback and length rules. */
export function resolvePlaceholders(
  subscriber: MessageSubscriber,
  offer: MessageOffer,
  options: RenderOptions = {},
): Record<PlaceholderName, ResolvedValue> {
  const unlimitedText = cleanText(options.unlimitedText ?? DEFAULT_UNLIMITED_TEXT);
  const out = {} as Record<PlaceholderName, ResolvedValue>;
  for (const name of PLACEHOLDER_NAMES) {
    const spec: PlaceholderSpec = MESSAGE_PLACEHOLDERS[name];
    const fallback = cutTo(cleanText(options.fallbacks?.[name] ?? spec.fallback), spec.maxLength);
    const raw = rawValue(name, subscriber, offer, unlimitedText);
    if (raw === null) out[name] = { value: fallback, from: 'fallback', truncated: false };
    else if (raw.length <= spec.maxLength) out[name] = { value: raw, from: 'data', truncated: false };
    // Cutting a number would state a different number: a price or allowance that does not fit is missing.
    else if (spec.charset === 'gsm_basic' && raw !== unlimitedText) out[name] = { value: fallback, from: 'fallback', truncated: false };
    else out[name] = { value: cutTo(raw, spec.maxLength), from: 'data', truncated: true };
  }
  return out;
}

function renderTokens(tokens: readonly TemplateToken[], values: Record<PlaceholderName, ResolvedValue>): string {
  return tokens.map((t) => (t.kind === 'text' ? t.text : values[t.name].value)).join('');
}

/** The message for one subscriber and offer. Throws TemplateError for a template with issues (never sends "{frist_name}"). */
export function renderMessage(
  template: string | ParsedTemplate,
  context: { subscriber: MessageSubscriber; offer: MessageOffer },
  options: RenderOptions = {},
): RenderedMessage {
  const parsed = typeof template === 'string' ? parseTemplate(template) : template;
  if (parsed.issues.length > 0) throw new TemplateError(parsed.issues);
  const values = resolvePlaceholders(context.subscriber, context.offer, options);
  return {
    text: renderTokens(parsed.tokens, values),
    missing: parsed.placeholders.filter((n) => values[n].from === 'fallback'),
    truncated: parsed.placeholders.filter((n) => values[n].truncated),
  };
}

/**
 * Placeholders a template uses that this offer has no value for (a `{data_gb}` for a device):
 * the API can warn or refuse before anything is sent.
 */
export function offerPlaceholdersMissing(template: string | ParsedTemplate, offer: MessageOffer): PlaceholderName[] {
  const parsed = typeof template === 'string' ? parseTemplate(template) : template;
  const values = resolvePlaceholders({}, offer);
  return parsed.placeholders.filter((n) => MESSAGE_PLACEHOLDERS[n].source === 'offer' && values[n].from === 'fallback');
}

// ---------------------------------------------------------------------------------------------
// SMS facts

export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** Per-segment capacity: a single message, and each part of a concatenated one (the UDH takes 6 octets). */
export const SMS_LIMITS = {
  'GSM-7': { single: 160, multipart: 153 },
  'UCS-2': { single: 70, multipart: 67 },
} as const satisfies Record<SmsEncoding, { single: number; multipart: number }>;

export interface SmsFacts {
  encoding: SmsEncoding;
  /** Characters as a person counts them (an emoji or an Arabic letter is one). */
  characters: number;
  /**
   * What counts against the limit: GSM-7 septets (`{}[]~^|€\` and form feed take two) or UCS-2
   * 16-bit units (an emoji outside the BMP takes two).
   */
  length: number;
  /** Parts the SMSC sends and bills; 0 for an empty text. */
  segments: number;
  /** The capacity of each segment at this count: 160 or 153 (GSM-7), 70 or 67 (UCS-2). */
  perSegment: number;
  /** Units that still fit in the last segment before another one is needed. */
  remainingInSegment: number;
  /** The characters outside GSM-7 that make the text UCS-2, each once. */
  nonGsmCharacters: string[];
}

/**
 * Counted by Twilio's `sms-segments-calculator` (GSM 03.38 tables, UDH, and no escape sequence or
 * character split across two segments, as handsets need). No "smart encoding": the text is
 * counted as it will be submitted.
 */
export function smsFacts(text: string, encoding: SmsEncoding | 'auto' = 'auto'): SmsFacts {
  const m = new SegmentedMessage(text, encoding, false);
  const enc = m.encodingName;
  const bitsPerUnit = enc === 'GSM-7' ? 7 : 16;
  const length = m.encodedChars.reduce((n, c) => n + c.codeUnits.length, 0);
  const empty = text.length === 0;
  const segments = empty ? 0 : m.segmentsCount;
  const last = m.segments[m.segments.length - 1];
  return {
    encoding: enc,
    characters: m.graphemes.length,
    length,
    segments,
    perSegment: segments > 1 ? SMS_LIMITS[enc].multipart : SMS_LIMITS[enc].single,
    remainingInSegment: empty || !last ? SMS_LIMITS[enc].single : Math.floor(last.freeSizeInBits() / bitsPerUnit),
    nonGsmCharacters: [...new Set(m.getNonGsmCharacters())],
  };
}

export interface TemplateSmsFacts {
  placeholders: PlaceholderName[];
  issues: TemplateIssue[];
  /** Characters of the template's own text that make every message UCS-2. */
  nonGsmCharacters: string[];
  /**
   * An upper bound over every subscriber (and every offer, when none is given): each placeholder
   * at its maximum length, filled with the characters that cost most. A free-text placeholder
   * (a name) may hold Arabic, so it can turn a GSM-7 template into UCS-2. The bound takes each
   * character of a free-text value as one UTF-16 unit (the letters of every script); an emoji
   * sequence straddling a segment boundary moves whole to the next one and can cost a few units
   * more, which is why each contact is counted again from its rendered text (`smsFacts`).
   */
  worstCase: { encoding: SmsEncoding; length: number; segments: number };
  /**
   * The bound per encoding the messages can end up in (null when they cannot): the builder can say
   * "1 SMS for Latin names, 2 for Arabic ones".
   */
  byEncoding: Record<SmsEncoding, { length: number; segments: number } | null>;
  /** Per placeholder: the longest value assumed, and whether it was known exactly (the given offer's). */
  assumptions: Array<{ name: PlaceholderName; maxLength: number; exact: boolean }>;
}

// The costliest character of each kind: '€' takes two GSM-7 septets; an Arabic letter forces UCS-2.
const GSM_DOUBLE = '€';
const NON_GSM = 'ب';

const isGsm = (s: string) => new SegmentedMessage(s, 'auto', false).encodingName === 'GSM-7';

/**
 * The worst case of a template: with `offer`, the offer's placeholders take its real values and
 * only the subscriber's vary (what the builder shows once an offer is picked).
 */
export function templateSmsFacts(template: string, options: RenderOptions & { offer?: MessageOffer | undefined } = {}): TemplateSmsFacts {
  const parsed = parseTemplate(template);
  const known = options.offer ? resolvePlaceholders({}, options.offer, options) : null;
  const unlimitedText = cleanText(options.unlimitedText ?? DEFAULT_UNLIMITED_TEXT);

  // For each token: its fixed text, or the costliest GSM-7 value and the longest value of any kind.
  type Fill = { fixed: string } | { gsm: string | null; ucs: string; forcesUcs: boolean };
  const fills: Fill[] = parsed.tokens.map((t) => {
    if (t.kind === 'text') return { fixed: t.text };
    const spec: PlaceholderSpec = MESSAGE_PLACEHOLDERS[t.name];
    if (known && spec.source === 'offer') return { fixed: known[t.name].value };
    if (spec.charset === 'any') return { gsm: GSM_DOUBLE.repeat(spec.maxLength), ucs: NON_GSM.repeat(spec.maxLength), forcesUcs: true };
    const candidates = ['9'.repeat(spec.maxLength), cutTo(cleanText(options.fallbacks?.[t.name] ?? spec.fallback), spec.maxLength)];
    if (spec.unlimited) candidates.push(cutTo(unlimitedText, spec.maxLength));
    const gsmCandidates = candidates.filter(isGsm);
    const costliest = (list: string[], cost: (s: string) => number) => list.reduce((a, b) => (cost(b) > cost(a) ? b : a));
    return {
      gsm: gsmCandidates.length ? costliest(gsmCandidates, (s) => smsFacts(s, 'GSM-7').length) : null,
      ucs: costliest(candidates, (s) => s.length),
      forcesUcs: gsmCandidates.length < candidates.length,
    };
  });

  const fixedText = fills.map((f) => ('fixed' in f ? f.fixed : '')).join('');
  const fixedIsGsm = isGsm(fixedText);
  const bound = (f: SmsFacts) => ({ length: f.length, segments: f.segments });
  const gsm =
    fixedIsGsm && fills.every((f) => 'fixed' in f || f.gsm !== null)
      ? bound(smsFacts(fills.map((f) => ('fixed' in f ? f.fixed : f.gsm!)).join(''), 'GSM-7'))
      : null;
  const ucs =
    !fixedIsGsm || fills.some((f) => !('fixed' in f) && f.forcesUcs)
      ? bound(smsFacts(fills.map((f) => ('fixed' in f ? f.fixed : f.ucs)).join(''), 'UCS-2'))
      : null;
  // Septets and 16-bit units do not compare, segments do; on a tie UCS-2 is named, since some
  // messages will be UCS-2 and a marketer should know before writing the next sentence.
  const worst: TemplateSmsFacts['worstCase'] =
    ucs && (!gsm || ucs.segments >= gsm.segments) ? { encoding: 'UCS-2', ...ucs } : { encoding: 'GSM-7', ...gsm! };

  return {
    placeholders: parsed.placeholders,
    issues: parsed.issues,
    nonGsmCharacters: smsFacts(parsed.tokens.map((t) => (t.kind === 'text' ? t.text : '')).join('')).nonGsmCharacters,
    worstCase: worst,
    byEncoding: { 'GSM-7': gsm, 'UCS-2': ucs },
    assumptions: parsed.placeholders.map((name) => ({
      name,
      maxLength: known && MESSAGE_PLACEHOLDERS[name].source === 'offer' ? known[name].value.length : MESSAGE_PLACEHOLDERS[name].maxLength,
      exact: known !== null && MESSAGE_PLACEHOLDERS[name].source === 'offer',
    })),
  };
}

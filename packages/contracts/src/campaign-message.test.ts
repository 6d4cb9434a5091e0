import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MESSAGE_PLACEHOLDERS,
  MessageTemplate,
  PLACEHOLDER_NAMES,
  TemplateError,
  formatPrice,
  offerPlaceholdersMissing,
  parseTemplate,
  renderMessage,
  resolvePlaceholders,
  smsFacts,
  suggestPlaceholder,
  templateSmsFacts,
  type MessageOffer,
  type MessageSubscriber,
} from './campaign-message.js';

const offer: MessageOffer = {
  name: 'Data 10GB Monthly',
  price: '49',
  currency: 'SAR',
  billing_cycle: 'monthly',
  features: { data_gb: 10, voice_minutes: 100, sms: -1 },
};
const subscriber: MessageSubscriber = { name: 'Sara Al-Qahtani', msisdn: '966512345678' };

describe('parseTemplate', () => {
  it('lists the placeholders used, once each, in order of first use', () => {
    const p = parseTemplate('Hi {first_name}, {offer_name} for {price} {currency}. {first_name}, reply YES');
    expect(p.issues).toEqual([]);
    expect(p.placeholders).toEqual(['first_name', 'offer_name', 'price', 'currency']);
    expect(p.tokens[0]).toEqual({ kind: 'text', text: 'Hi ' });
    expect(p.tokens[1]).toEqual({ kind: 'placeholder', name: 'first_name' });
  });

  it('reads {{ and }} as literal braces', () => {
    const p = parseTemplate('{{first_name}} is literal, {first_name} is not');
    expect(p.issues).toEqual([]);
    expect(p.placeholders).toEqual(['first_name']);
    expect(renderMessage(p, { subscriber, offer }).text).toBe('{first_name} is literal, Sara is not');
  });

  it('reports an unknown placeholder with the closest known name', () => {
    const p = parseTemplate('Hi {frist_name}, only {prce}!');
    expect(p.issues.map((i) => (i.kind === 'unknown_placeholder' ? [i.placeholder, i.suggestion, i.index] : null))).toEqual([
      ['frist_name', 'first_name', 3],
      ['prce', 'price', 22],
    ]);
    expect(p.issues[0]!.message).toContain('did you mean {first_name}?');
  });

  it('suggests across case, spaces and dashes, and not for unrelated words', () => {
    expect(suggestPlaceholder('First Name')).toBe('first_name');
    expect(suggestPlaceholder('offer-name')).toBe('offer_name');
    expect(suggestPlaceholder('firstname')).toBe('first_name');
    expect(suggestPlaceholder('data_mb')).toBe('data_gb');
    expect(suggestPlaceholder('validity')).toBe(null);
    expect(suggestPlaceholder('loyalty_points')).toBe(null);
    expect(suggestPlaceholder('')).toBe(null);
  });

  it('reports an unclosed or stray brace with its position', () => {
    expect(parseTemplate('Hi {first_name').issues).toMatchObject([{ kind: 'unclosed_brace', index: 3 }]);
    expect(parseTemplate('Hi {first_name {price}').issues).toMatchObject([{ kind: 'unclosed_brace', index: 3 }]);
    expect(parseTemplate('Hi {first\n_name}').issues[0]).toMatchObject({ kind: 'unclosed_brace', index: 3 });
    expect(parseTemplate('a } b').issues).toMatchObject([{ kind: 'stray_brace', index: 2 }]);
    expect(parseTemplate('a {} b').issues).toMatchObject([{ kind: 'unknown_placeholder', placeholder: '', suggestion: null }]);
  });

  it('the zod schema refuses a template naming each issue, and accepts a good one', () => {
    const bad = MessageTemplate.safeParse('Hi {frist_name}');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/unknown placeholder \{frist_name\}: did you mean \{first_name\}\?/);
    expect(MessageTemplate.parse('  Hi {first_name}  ')).toBe('Hi {first_name}');
    expect(MessageTemplate.safeParse('').success).toBe(false);
  });

  it('never throws, and text tokens give back the template when there are no placeholders (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        const p = parseTemplate(s);
        const placeholdersAndBraces = /[{}]/.test(s);
        if (!placeholdersAndBraces) expect(p.tokens.map((t) => (t.kind === 'text' ? t.text : '')).join('')).toBe(s);
        for (const issue of p.issues) expect(issue.index).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 500 },
    );
  });
});

describe('renderMessage', () => {
  it('renders subscriber and offer values', () => {
    const r = renderMessage(
      'Hi {first_name} ({msisdn_last4}): {offer_name}, {data_gb}GB, {voice_minutes} min, {sms} SMS, {validity_days} days, {price} {currency}',
      { subscriber, offer },
    );
    expect(r).toEqual({
      text: 'Hi Sara (5678): Data 10GB Monthly, 10GB, 100 min, unlimited SMS, 30 days, 49.00 SAR',
      missing: [],
      truncated: [],
    });
  });

  it('renders Arabic names and a campaign-given unlimited word', () => {
    const r = renderMessage('مرحبا {first_name}، رسائل {sms}', { subscriber: { name: 'محمد العتيبي', msisdn: '0501234567' }, offer }, { unlimitedText: 'غير محدودة' });
    expect(r.text).toBe('مرحبا محمد، رسائل غير محدودة');
  });

  it('uses the fallback for a missing value, never "undefined" or "null"', () => {
    const r = renderMessage('Hi {first_name}, {offer_name} {price} {currency} {data_gb} {validity_days} {msisdn_last4}.', {
      subscriber: { name: '   ', msisdn: null },
      offer: { name: null, price: null, billing_cycle: 'one_time', features: null },
    });
    expect(r.text).toBe('Hi Customer,      .');
    expect(r.missing).toEqual(['first_name', 'offer_name', 'price', 'currency', 'data_gb', 'validity_days', 'msisdn_last4']);
    const custom = renderMessage('Hi {first_name}, {data_gb}', { subscriber: {}, offer: {} }, { fallbacks: { first_name: 'عميلنا', data_gb: 'extra' } });
    expect(custom.text).toBe('Hi عميلنا, extra');
  });

  it('formats money as an exact decimal with the currency decimals', () => {
    expect(formatPrice('49', 'SAR')).toBe('49.00');
    expect(formatPrice('49.5', 'sar')).toBe('49.50');
    expect(formatPrice('1.5', 'KWD')).toBe('1.500');
    expect(formatPrice('1200', 'JPY')).toBe('1200');
    // Half-up on the decimal itself: a float would make 1.005 into 1.00 (1.00499999...).
    expect(formatPrice('1.005', 'USD')).toBe('1.01');
    expect(formatPrice('0.125', 'USD')).toBe('0.13');
    expect(formatPrice('999999999999999.99', 'SAR')).toBe('999999999999999.99');
    expect(formatPrice('12.345', 'XXX')).toBe('12.345'); // unknown currency: the catalog's decimals
    expect(formatPrice('-1', 'SAR')).toBe(null);
    expect(formatPrice('1e3', 'SAR')).toBe(null);
    expect(formatPrice(null, 'SAR')).toBe(null);
  });

  it('formats any price with at most the currency decimals exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(['SAR', 2], ['KWD', 3], ['JPY', 0]),
        fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }),
        fc.nat({ max: 999 }),
        ([currency, exp], int, fracNum) => {
          const frac = String(fracNum).padStart(3, '0').slice(0, exp as number);
          const input = frac ? `${int}.${frac}` : `${int}`;
          const expected = (exp as number) === 0 ? `${int}` : `${int}.${frac.padEnd(exp as number, '0')}`;
          expect(formatPrice(input, currency as string)).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('reads allowances as the connectors store them', () => {
    const v = (features: Record<string, unknown>) => resolvePlaceholders({}, { features }).data_gb;
    expect(v({ data_gb: 0.5 }).value).toBe('0.5');
    expect(v({ data_gb: 1.239 }).value).toBe('1.24');
    expect(v({ data_gb: '25' }).value).toBe('25');
    expect(v({ data_gb: -1 }).value).toBe('unlimited');
    expect(v({ data_gb: 'Unlimited' }).value).toBe('unlimited');
    expect(v({ data_gb: 'lots' })).toEqual({ value: '', from: 'fallback', truncated: false });
    expect(v({ data_gb: Number.NaN }).from).toBe('fallback');
    // A number that does not fit is missing, never cut into another number.
    expect(v({ data_gb: 1234567890123 })).toEqual({ value: '', from: 'fallback', truncated: false });
  });

  it('takes validity from the product, else from its billing cycle', () => {
    const v = (o: MessageOffer) => resolvePlaceholders({}, o).validity_days.value;
    expect(v({ billing_cycle: 'weekly' })).toBe('7');
    expect(v({ billing_cycle: 'monthly', features: { validity_days: 28 } })).toBe('28');
    expect(v({ billing_cycle: 'yearly', features: { validity_days: '14' } })).toBe('14');
    expect(v({ billing_cycle: 'one_time' })).toBe('');
  });

  it('keeps data on one line and cuts long text at a character boundary', () => {
    const r = renderMessage('{first_name}|{full_name}', { subscriber: { name: 'Ann\r\n\tLee\u0000', msisdn: '1' }, offer });
    expect(r.text).toBe('Ann|Ann Lee');
    const long = renderMessage('{full_name}', { subscriber: { name: `${'x'.repeat(39)}😀😀` }, offer });
    expect(long.text).toBe('x'.repeat(39)); // the emoji (2 units) does not fit in the 40th unit and is not split
    expect(long.truncated).toEqual(['full_name']);
  });

  it('never expands placeholders found in the data', () => {
    expect(renderMessage('Hi {first_name}', { subscriber: { name: '{price}' }, offer }).text).toBe('Hi {price}');
  });

  it('refuses to render a template with issues', () => {
    expect(() => renderMessage('Hi {frist_name}', { subscriber, offer })).toThrow(TemplateError);
  });

  it('names the offer placeholders this offer has no value for', () => {
    const device: MessageOffer = { name: 'Phone X', price: '2999', currency: 'SAR', billing_cycle: 'one_time', features: {} };
    expect(offerPlaceholdersMissing('{offer_name} {price} {data_gb} {validity_days} {first_name}', device)).toEqual(['data_gb', 'validity_days']);
    expect(offerPlaceholdersMissing('{offer_name} {data_gb}', offer)).toEqual([]);
  });

  const anyValue = fc.oneof(fc.constant(undefined), fc.constant(null), fc.string(), fc.double(), fc.integer(), fc.boolean());
  const anySubscriber = fc.record({ name: fc.oneof(fc.constant(undefined), fc.constant(null), fc.string({ unit: 'grapheme', maxLength: 60 })), msisdn: fc.oneof(fc.constant(null), fc.string()) }, { requiredKeys: [] });
  const anyOffer = fc.record(
    {
      name: fc.oneof(fc.constant(null), fc.string({ unit: 'grapheme', maxLength: 80 })),
      price: fc.oneof(fc.constant(null), fc.string(), fc.stringMatching(/^\d{1,18}(\.\d{1,4})?$/)),
      currency: fc.constantFrom('SAR', 'KWD', 'JPY', 'usd', '', 'XXXX', null),
      billing_cycle: fc.constantFrom('daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'one_time', null),
      features: fc.record({ data_gb: anyValue, voice_minutes: anyValue, sms: anyValue, validity_days: anyValue }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<MessageOffer>;
  const everyPlaceholder = PLACEHOLDER_NAMES.map((n) => `{${n}}`).join('\u0001');

  it('renders every value within its maximum and never as "undefined", "null" or "NaN" (property)', () => {
    fc.assert(
      fc.property(anySubscriber, anyOffer, (s, o) => {
        const r = renderMessage(everyPlaceholder, { subscriber: s as MessageSubscriber, offer: o });
        const parts = r.text.split('\u0001');
        expect(parts).toHaveLength(PLACEHOLDER_NAMES.length);
        PLACEHOLDER_NAMES.forEach((name, i) => {
          const value = parts[i]!;
          expect(value.length).toBeLessThanOrEqual(MESSAGE_PLACEHOLDERS[name].maxLength);
          if (!/undefined|null|NaN/.test(JSON.stringify([s, o]))) expect(value).not.toMatch(/undefined|null|NaN/);
          expect(/[\r\n]/.test(value) || value.includes('\0')).toBe(false);
        });
        // Same input, same message.
        expect(renderMessage(everyPlaceholder, { subscriber: s as MessageSubscriber, offer: o })).toEqual(r);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('smsFacts', () => {
  it('GSM-7: 160 characters are 1 segment, 161 are 2 (153 each), 307 are 3', () => {
    expect(smsFacts('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', length: 160, segments: 1, perSegment: 160, remainingInSegment: 0 });
    expect(smsFacts('a'.repeat(161))).toMatchObject({ encoding: 'GSM-7', length: 161, segments: 2, perSegment: 153, remainingInSegment: 145 });
    expect(smsFacts('a'.repeat(306))).toMatchObject({ segments: 2, remainingInSegment: 0 });
    expect(smsFacts('a'.repeat(307))).toMatchObject({ segments: 3, remainingInSegment: 152 });
  });

  it('UCS-2: Arabic counts as UCS-2, 70 characters are 1 segment, 71 are 2 (67 each)', () => {
    expect(smsFacts('ب'.repeat(70))).toMatchObject({ encoding: 'UCS-2', characters: 70, length: 70, segments: 1, perSegment: 70, remainingInSegment: 0 });
    expect(smsFacts('ب'.repeat(71))).toMatchObject({ encoding: 'UCS-2', segments: 2, perSegment: 67, remainingInSegment: 63 });
    expect(smsFacts('ب'.repeat(134))).toMatchObject({ segments: 2, remainingInSegment: 0 });
    expect(smsFacts('ب'.repeat(135))).toMatchObject({ segments: 3 });
    const mixed = smsFacts('Hello مرحبا');
    expect(mixed.encoding).toBe('UCS-2');
    expect(mixed.nonGsmCharacters).toEqual(['م', 'ر', 'ح', 'ب', 'ا']);
  });

  it('counts the GSM-7 extension characters {}[]~^|€\\ twice', () => {
    for (const ch of ['{', '}', '[', ']', '~', '^', '|', '€', '\\']) {
      expect(smsFacts(ch)).toMatchObject({ encoding: 'GSM-7', characters: 1, length: 2 });
    }
    expect(smsFacts('€'.repeat(80))).toMatchObject({ length: 160, segments: 1 });
    expect(smsFacts('€'.repeat(81))).toMatchObject({ length: 162, segments: 2 });
    expect(smsFacts(`${'a'.repeat(159)}€`)).toMatchObject({ characters: 160, length: 161, segments: 2 });
    // Accented letters of the GSM-7 table stay GSM-7 and single.
    expect(smsFacts('é à ü Ñ Δ')).toMatchObject({ encoding: 'GSM-7', length: 9 });
  });

  it('an emoji makes the text UCS-2 and takes two units', () => {
    expect(smsFacts('Hi 😀')).toMatchObject({ encoding: 'UCS-2', characters: 4, length: 5, segments: 1 });
  });

  it('an empty text is no segment, with a whole segment left', () => {
    expect(smsFacts('')).toMatchObject({ encoding: 'GSM-7', length: 0, segments: 0, remainingInSegment: 160 });
  });

  it('GSM-7 basic text: segments are 1 up to 160, then ceil(n/153) (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'abcXYZ 019.,!?@$%&*()-'), maxLength: 700 }), (s) => {
        const f = smsFacts(s);
        const n = s.length;
        expect(f.encoding).toBe('GSM-7');
        expect(f.length).toBe(n);
        expect(f.segments).toBe(n === 0 ? 0 : n <= 160 ? 1 : Math.ceil(n / 153));
        if (n > 0) expect(f.remainingInSegment).toBe(n <= 160 ? 160 - n : f.segments * 153 - n);
      }),
      { numRuns: 300 },
    );
  });

  it('UCS-2 single-unit text: segments are 1 up to 70, then ceil(n/67) (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'ابتثجحخدذرزسشصضطظعغفقكلمنهوي '), minLength: 1, maxLength: 400 }), (s) => {
        fc.pre(/[^ ]/.test(s));
        const f = smsFacts(s);
        const n = s.length;
        expect(f.encoding).toBe('UCS-2');
        expect(f.segments).toBe(n <= 70 ? 1 : Math.ceil(n / 67));
        expect(f.remainingInSegment).toBe(n <= 70 ? 70 - n : f.segments * 67 - n);
      }),
      { numRuns: 300 },
    );
  });

  it('extension characters count two septets each (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'ab {}[]~^|€\\'), maxLength: 400 }), (s) => {
        const ext = [...s].filter((c) => '{}[]~^|€\\'.includes(c)).length;
        const f = smsFacts(s);
        expect(f.length).toBe(s.length + ext);
        // An escape pair is never split, so a segment may end one septet short.
        expect(f.segments).toBeGreaterThanOrEqual(f.length === 0 ? 0 : f.length <= 160 ? 1 : Math.ceil(f.length / 153));
      }),
      { numRuns: 300 },
    );
  });
});

describe('templateSmsFacts', () => {
  it('a free-text placeholder may hold Arabic: the worst case of a GSM-7 template is UCS-2', () => {
    const f = templateSmsFacts('Hi {first_name}');
    expect(f.worstCase).toEqual({ encoding: 'UCS-2', length: 3 + 20, segments: 1 });
    // Latin names: '€' takes two septets, so twenty of them are 40.
    expect(f.byEncoding['GSM-7']).toEqual({ length: 3 + 40, segments: 1 });
    expect(f.assumptions).toEqual([{ name: 'first_name', maxLength: 20, exact: false }]);
  });

  it('numbers keep a GSM-7 template GSM-7, at their documented maxima', () => {
    const f = templateSmsFacts('Pay {price} {currency} by {validity_days} days, ref {msisdn_last4}');
    expect(f.worstCase).toEqual({ encoding: 'GSM-7', length: 'Pay   by  days, ref '.length + 19 + 3 + 4 + 4, segments: 1 });
    expect(f.byEncoding['UCS-2']).toBe(null);
  });

  it('crosses into a second segment when the maxima do not fit', () => {
    const base = 'x'.repeat(150);
    expect(templateSmsFacts(`${base}{msisdn_last4}`).worstCase).toEqual({ encoding: 'GSM-7', length: 154, segments: 1 });
    expect(templateSmsFacts(`${base}{price}`).worstCase).toEqual({ encoding: 'GSM-7', length: 169, segments: 2 });
  });

  it('with the offer picked, its values are exact and only the subscriber varies', () => {
    const f = templateSmsFacts('{offer_name}: {data_gb}GB for {price} {currency}, ends in {validity_days} days', { offer });
    expect(f.worstCase).toEqual({ encoding: 'GSM-7', length: 'Data 10GB Monthly: 10GB for 49.00 SAR, ends in 30 days'.length, segments: 1 });
    expect(f.assumptions.every((a) => a.exact)).toBe(true);
  });

  it('an Arabic template is UCS-2 throughout, with its own non-GSM characters listed', () => {
    const f = templateSmsFacts(`${'ب'.repeat(60)} {price}`);
    expect(f.worstCase).toEqual({ encoding: 'UCS-2', length: 80, segments: 2 });
    expect(f.nonGsmCharacters).toEqual(['ب']);
  });

  it('an Arabic fallback or unlimited word can make a numbers-only template UCS-2', () => {
    expect(templateSmsFacts('{sms} SMS', { unlimitedText: 'غير محدود' }).worstCase).toEqual({ encoding: 'UCS-2', length: 16, segments: 1 });
    expect(templateSmsFacts('{sms} SMS').worstCase).toEqual({ encoding: 'GSM-7', length: 16, segments: 1 });
    expect(templateSmsFacts('{data_gb} GB', { fallbacks: { data_gb: 'لا' } }).byEncoding).toEqual({
      'GSM-7': { length: 15, segments: 1 },
      'UCS-2': { length: 15, segments: 1 },
    });
  });

  it('the worst case bounds every rendered message (property)', () => {
    const letters = fc.constantFrom(...'aZ é€{}^|\\[]~بمحد ', 'x');
    const name = fc.string({ unit: letters, maxLength: 60 });
    const template = fc
      .array(fc.oneof(fc.string({ unit: fc.constantFrom(...'ab ,.€ب!'), maxLength: 40 }), fc.constantFrom(...PLACEHOLDER_NAMES).map((n) => `{${n}}`)), { maxLength: 12 })
      .map((parts) => parts.join(''));
    const anOffer = fc.record({
      name: fc.string({ unit: letters, maxLength: 80 }),
      price: fc.stringMatching(/^\d{1,15}(\.\d{1,3})?$/),
      currency: fc.constantFrom('SAR', 'KWD', 'JPY'),
      billing_cycle: fc.constantFrom('daily', 'monthly', 'one_time' as const),
      features: fc.record({ data_gb: fc.oneof(fc.constant(-1), fc.double({ min: 0, max: 1e6, noNaN: true })), sms: fc.integer({ min: -1, max: 1e9 }) }),
    }) as fc.Arbitrary<MessageOffer>;
    fc.assert(
      fc.property(template, name, fc.stringMatching(/^\d{0,15}$/), anOffer, fc.boolean(), (t, n, msisdn, o, offerKnown) => {
        const facts = templateSmsFacts(t, offerKnown ? { offer: o } : {});
        const sent = smsFacts(renderMessage(t, { subscriber: { name: n, msisdn }, offer: o }).text);
        expect(sent.segments).toBeLessThanOrEqual(facts.worstCase.segments);
        const sameEncoding = facts.byEncoding[sent.encoding];
        expect(sameEncoding).not.toBe(null);
        expect(sent.length).toBeLessThanOrEqual(sameEncoding!.length);
        expect(sent.segments).toBeLessThanOrEqual(sameEncoding!.segments);
      }),
      { numRuns: 1000 },
    );
  });
});

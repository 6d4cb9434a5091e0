import { describe, expect, it } from 'vitest';
import { amountFromFloat, amountFromMinorUnits, compareDecimal, normalizeAmount, normalizeDecimal } from './money.js';
import { parseTimestamp, toIso } from './time.js';

describe('money', () => {
  it('normalises to the currency exponent and refuses extra precision', () => {
    expect(normalizeAmount('49', 'SAR')).toBe('49.00');
    expect(normalizeAmount('0.5', 'KWD')).toBe('0.500');
    expect(normalizeAmount('1200', 'JPY')).toBe('1200');
    expect(() => normalizeAmount('1.234', 'SAR')).toThrow(/more than 2 decimal/);
    expect(normalizeAmount('1.230', 'SAR')).toBe('1.23');
    expect(() => normalizeAmount('1', 'XXX')).toThrow(/unknown currency/);
  });
  it('converts minor units and TMF floats exactly', () => {
    expect(amountFromMinorUnits(4900, 'SAR')).toBe('49.00');
    expect(amountFromMinorUnits(1500, 'KWD')).toBe('1.500');
    expect(amountFromMinorUnits(7, 'SAR')).toBe('0.07');
    expect(amountFromMinorUnits(-7, 'SAR')).toBe('-0.07');
    expect(amountFromMinorUnits(1200, 'JPY')).toBe('1200');
    expect(amountFromFloat(49.99, 'SAR')).toBe('49.99');
    expect(amountFromFloat(0.1 + 0.2, 'SAR')).toBe('0.30');
    expect(amountFromFloat(1.005, 'SAR')).toBe('1.01');
    expect(amountFromFloat(1e21, 'USD')).toBe('1000000000000000000000.00');
    expect(() => amountFromFloat(Number.NaN, 'SAR')).toThrow();
  });
  it('compares and normalises free decimals', () => {
    expect(compareDecimal('10.5', '10.50')).toBe(0);
    expect(compareDecimal('9.99', '10')).toBe(-1);
    expect(normalizeDecimal('0100.500')).toBe('100.5');
    expect(normalizeDecimal('-0.0')).toBe('0');
  });
});

describe('time', () => {
  it('turns database timestamps into UTC ISO 8601', () => {
    expect(toIso('2026-11-25 04:30:00.123+00')).toBe('2026-11-25T04:30:00.123Z');
    expect(toIso('2026-11-25 07:30:00+03')).toBe('2026-11-25T04:30:00.000Z');
    expect(toIso('2026-11-25 10:00:00+0530')).toBe('2026-11-25T04:30:00.000Z');
    expect(toIso(null)).toBeNull();
  });
  it('parses offsets and treats naive timestamps as UTC explicitly', () => {
    expect(parseTimestamp('2026-01-02T03:04:05+03:00')!.toISOString()).toBe('2026-01-02T00:04:05.000Z');
    expect(parseTimestamp('2026-01-02T03:04:05.000+0000')!.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(parseTimestamp('2026-01-02T03:04:05')!.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(parseTimestamp('yesterday')).toBeNull();
  });
});

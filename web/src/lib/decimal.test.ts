import { describe, expect, it } from 'vitest';
import { compareDecimal, isDecimal } from './decimal';

describe('decimal', () => {
  it('accepts the contract shape only', () => {
    for (const ok of ['0', '49', '49.5', '-3.125', '123456789012345.123456']) expect(isDecimal(ok)).toBe(true);
    for (const bad of ['', '1e3', '1.', '.5', '1.1234567', '1234567890123456', 'abc', '1,5']) expect(isDecimal(bad)).toBe(false);
  });
  it('compares exactly', () => {
    expect(compareDecimal('100', '500')).toBe(-1);
    expect(compareDecimal('500', '100')).toBe(1);
    expect(compareDecimal('100.00', '100')).toBe(0);
    expect(compareDecimal('0.1', '0.10')).toBe(0);
    expect(compareDecimal('9', '10')).toBe(-1);
    expect(compareDecimal('-5', '3')).toBe(-1);
    expect(compareDecimal('-5', '-3')).toBe(-1);
    expect(compareDecimal('-0', '0')).toBe(0);
    expect(compareDecimal('999999999999999.999999', '999999999999999.999998')).toBe(1);
    expect(compareDecimal('007', '7.0')).toBe(0);
  });
});

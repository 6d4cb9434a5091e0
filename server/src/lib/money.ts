import { currencyExponent } from '@lyra/contracts';

/**
 * Money as exact decimal strings. Arithmetic happens on BigInt minor units, never on binary floats.
 */
const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

export class MoneyError extends Error {}

function exponentOf(currency: string): number {
  const exp = currencyExponent(currency);
  if (exp === undefined) throw new MoneyError(`unknown currency "${currency}"`);
  return exp;
}

/** Parses a decimal string into [BigInt scaled by 10^scale]; throws when it has more decimals than scale. */
function toScaled(value: string, scale: number, roundHalfUp = false): bigint {
  const m = DECIMAL_RE.exec(value.trim());
  if (!m) throw new MoneyError(`"${value}" is not a decimal number`);
  const [, sign, intPart = '0', fracRaw = ''] = m;
  let frac = fracRaw;
  let carry = 0n;
  if (frac.length > scale) {
    const dropped = frac.slice(scale);
    if (!roundHalfUp && /[1-9]/.test(dropped)) throw new MoneyError(`"${value}" has more than ${scale} decimal places`);
    carry = roundHalfUp && dropped.charCodeAt(0) >= 53 /* '5' */ ? 1n : 0n;
    frac = frac.slice(0, scale);
  }
  const digits = BigInt(intPart + frac.padEnd(scale, '0')) + carry;
  return sign ? -digits : digits;
}

function fromScaled(v: bigint, scale: number): string {
  const neg = v < 0n;
  const abs = (neg ? -v : v).toString().padStart(scale + 1, '0');
  const body = scale === 0 ? abs : `${abs.slice(0, -scale)}.${abs.slice(-scale)}`;
  return neg ? `-${body}` : body;
}

/** "1.5e-7" -> "0.00000015", "1e+21" -> "1000000000000000000000": plain digits for the decimal parser. */
function expandExponent(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/i.exec(text);
  if (!m) throw new MoneyError(`"${text}" is not a decimal number`);
  const [, sign = '', intPart = '', frac = '', expText = '0'] = m;
  const digits = intPart + frac;
  const point = intPart.length + Number(expText);
  const body = point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return sign + body;
}

/** "49" SAR -> "49.00"; "1.2345" SAR -> MoneyError (more decimals than the currency has). */
export function normalizeAmount(value: string, currency: string): string {
  const exp = exponentOf(currency);
  return fromScaled(toScaled(value, exp), exp);
}

/** Integer minor units (billing systems) -> decimal string: 4900 SAR -> "49.00", 1500 KWD -> "1.500". */
export function amountFromMinorUnits(minor: number | bigint | string, currency: string): string {
  const exp = exponentOf(currency);
  const s = String(minor);
  if (!/^-?\d+$/.test(s)) throw new MoneyError(`"${s}" is not an integer amount of minor units`);
  return fromScaled(BigInt(s), exp);
}

/**
 * A JSON float (TMF Money.value) -> exact decimal at the currency's minor units. JS prints the
 * shortest decimal that round-trips, so 49.99 -> "49.99"; we then round half-up on the decimal
 * string rather than on the binary value (1.005 stays 1.01, not 1.00 as toFixed would give).
 */
export function amountFromFloat(value: number, currency: string): string {
  if (!Number.isFinite(value)) throw new MoneyError(`"${value}" is not a finite amount`);
  const exp = exponentOf(currency);
  let text = String(value);
  if (/e/i.test(text)) text = expandExponent(text);
  return fromScaled(toScaled(text, exp, true), exp);
}

/** Normalises a free decimal (no currency) to a canonical string without trailing zeros noise. */
export function normalizeDecimal(value: string): string {
  const m = DECIMAL_RE.exec(value.trim());
  if (!m) throw new MoneyError(`"${value}" is not a decimal number`);
  const [, sign, intPart = '0', frac = ''] = m;
  const i = intPart.replace(/^0+(?=\d)/, '');
  const f = frac.replace(/0+$/, '');
  const body = f ? `${i}.${f}` : i;
  return sign && /[1-9]/.test(body) ? `-${body}` : body;
}

export function compareDecimal(a: string, b: string): number {
  const scale = Math.max(a.split('.')[1]?.length ?? 0, b.split('.')[1]?.length ?? 0);
  const x = toScaled(a, scale);
  const y = toScaled(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

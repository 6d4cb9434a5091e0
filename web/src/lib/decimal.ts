/** Same shape the contract accepts: up to 15 integer digits and 6 decimals. */
export const DECIMAL_PATTERN = /^-?\d{1,15}(\.\d{1,6})?$/;

export const isDecimal = (value: string): boolean => DECIMAL_PATTERN.test(value.trim());

/**
 * Compares two decimal strings exactly (no float conversion), so "0.1" vs "0.10000000000000001"
 * style surprises cannot flip a min/max check. Returns -1, 0 or 1.
 */
export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  const pa = parts(a);
  const pb = parts(b);
  if (pa.negative !== pb.negative) {
    if (pa.zero && pb.zero) return 0;
    return pa.negative ? -1 : 1;
  }
  const sign = pa.negative ? -1 : 1;
  const intCmp = cmpDigits(pa.int, pb.int);
  if (intCmp !== 0) return (intCmp * sign) as -1 | 1;
  const len = Math.max(pa.frac.length, pb.frac.length);
  const fracCmp = cmpStr(pa.frac.padEnd(len, '0'), pb.frac.padEnd(len, '0'));
  return (fracCmp * sign || 0) as -1 | 0 | 1;
}

function parts(v: string) {
  const s = v.trim();
  const negative = s.startsWith('-');
  const [intRaw = '0', fracRaw = ''] = (negative ? s.slice(1) : s).split('.');
  const int = intRaw.replace(/^0+(?=\d)/, '');
  const frac = fracRaw.replace(/0+$/, '');
  return { negative, int, frac, zero: /^0*$/.test(int) && frac === '' };
}

function cmpDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return cmpStr(a, b);
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

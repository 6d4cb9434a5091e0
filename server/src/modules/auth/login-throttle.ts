import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { ThrottleRule } from './auth.repository.js';

export type { ThrottleRule } from './auth.repository.js';

export interface LoginThrottlePolicy {
  /** Per account (normalised email, known or not): guessing one password from many addresses. */
  account: ThrottleRule;
  /** Per source address: one address spraying many accounts. */
  address: ThrottleRule;
  /** Tests inject a clock; otherwise the database's clock decides, the same for every instance. */
  clock?: () => Date;
}

/**
 * Growing delays instead of a lock-out: after 5 failed attempts an account waits 1 s, then 2 s,
 * 4 s ... at most a minute, so five wrong passwords sent by anybody cost the owner a second, not a
 * quarter of an hour, while a guesser gets at most ~1,440 tries a day per account. An address gets
 * more free attempts (offices share one NAT address) and a longer cap, because spraying many
 * accounts is the cheaper attack.
 */
export const DEFAULT_LOGIN_THROTTLE: LoginThrottlePolicy = {
  account: { freeAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000, forgetAfterMs: 60 * 60_000 },
  address: { freeAttempts: 20, baseDelayMs: 1_000, maxDelayMs: 10 * 60_000, forgetAfterMs: 60 * 60_000 },
};

export const accountKey = (normalisedEmail: string) => `acct:${createHash('sha256').update(normalisedEmail).digest('hex')}`;

/**
 * The throttle key of a source address. IPv4-mapped IPv6 counts as IPv4; an IPv6 address counts
 * per /64, because one subscriber line is usually given a whole /64 and could otherwise rotate
 * through 2^64 addresses.
 */
export function addressKey(ip: string | null | undefined): string {
  if (!ip) return 'ip:unknown';
  const plain = ip.replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(plain);
  if (mapped) return `ip:${mapped[1]}`;
  if (isIPv4(plain)) return `ip:${plain}`;
  if (!isIPv6(plain)) return `ip:${plain}`;
  const groups = expandIPv6(plain);
  return `ip6:${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, without leading zeros. */
function expandIPv6(ip: string): string[] {
  // An embedded IPv4 tail (::1.2.3.4) stands for two groups.
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(ip);
  let text = ip;
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = ip.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((g) => parseInt(g, 16).toString(16));
}

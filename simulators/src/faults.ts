/**
 * Fault injection shared by the three simulators. One seeded stream decides, per request,
 * whether it hangs, is dropped, rate-limited or fails; the draw happens before the request
 * is handled so a faulted request never reaches the store.
 */
import type { FaultConfig } from './types.js';
import { stream, type Rng } from './random.js';

export const DEFAULT_FAULTS: FaultConfig = {
  errorRate: 0,
  rateLimitRate: 0,
  retryAfterSeconds: 1,
  latencyMs: 0,
  dropRate: 0,
  malformedRate: 0,
  mutateWhilePaging: 0,
  timeoutRate: 0,
  echoRequestRate: 0,
};

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'timeout' }
  | { kind: 'drop'; afterHeaders: boolean }
  | { kind: 'rateLimit' }
  | { kind: 'error'; status: 500 | 502 | 503 };

const RATE_KEYS = ['errorRate', 'rateLimitRate', 'dropRate', 'malformedRate', 'timeoutRate', 'echoRequestRate'] as const;

export function normalizeFaults(base: FaultConfig, patch: Partial<FaultConfig>): FaultConfig {
  const next: FaultConfig = { ...base };
  for (const [key, value] of Object.entries(patch) as Array<[keyof FaultConfig, unknown]>) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_FAULTS)) throw new Error(`unknown fault setting ${key}`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error(`fault setting ${key} must be a number >= 0`);
    if ((RATE_KEYS as readonly string[]).includes(key) && value > 1) throw new Error(`fault setting ${key} is a share between 0 and 1`);
    next[key] = value;
  }
  return next;
}

export class FaultInjector {
  private config: FaultConfig;
  private readonly rng: Rng;
  /** Its own stream, so switching echoes on leaves the fault sequence of a seed unchanged. */
  private readonly echoRng: Rng;

  constructor(seed: number, initial: Partial<FaultConfig> = {}) {
    this.config = normalizeFaults(DEFAULT_FAULTS, initial);
    this.rng = stream(seed, 'faults');
    this.echoRng = stream(seed, 'echo');
  }

  /** Whether this error answer becomes a debug page echoing the request (echoRequestRate). */
  echoes(): boolean {
    const rate = this.config.echoRequestRate;
    return rate >= 1 || (rate > 0 && this.echoRng() < rate);
  }

  get current(): FaultConfig {
    return { ...this.config };
  }

  set(patch: Partial<FaultConfig>): FaultConfig {
    this.config = normalizeFaults(this.config, patch);
    return this.current;
  }

  /**
   * Rates are stacked bands of one uniform draw, so each is honoured as given (as long as
   * their sum stays below 1) instead of shadowing each other. Two draws are always consumed,
   * keeping the sequence stable whatever the outcome.
   */
  decide(): FaultDecision {
    const u = this.rng();
    const v = this.rng();
    const c = this.config;
    let edge = c.timeoutRate;
    if (u < edge) return { kind: 'timeout' };
    edge += c.dropRate;
    if (u < edge) return { kind: 'drop', afterHeaders: v < 0.5 };
    edge += c.rateLimitRate;
    if (u < edge) return { kind: 'rateLimit' };
    edge += c.errorRate;
    if (u < edge) return { kind: 'error', status: v < 0.5 ? 500 : v < 0.75 ? 502 : 503 };
    return { kind: 'none' };
  }
}

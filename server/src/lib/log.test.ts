import { describe, expect, it } from 'vitest';
import { consoleLog } from './log.js';

describe('consoleLog', () => {
  const capture = (level: string) => {
    const out: string[] = [];
    const err: string[] = [];
    const log = consoleLog(level, { log: (l) => out.push(l), error: (l) => err.push(l) });
    return { log, out, err };
  };

  it('prints the level with every line, warnings and errors on stderr, debug only when asked', () => {
    const { log, out, err } = capture('info');
    log('job catalog-sync-tick skipped', undefined, 'debug');
    log('sync finished', { runId: 'r1' });
    log('job catalog-sync failed', { detail: 'run r2 failed: HTTP 503' }, 'warn');
    expect(out).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO sync finished \{"runId":"r1"\}$/)]);
    expect(err).toEqual([expect.stringMatching(/Z WARN job catalog-sync failed \{"detail":"run r2 failed: HTTP 503"\}$/)]);
    const debug = capture('debug');
    debug.log('job catalog-sync-tick skipped', undefined, 'debug');
    expect(debug.out).toEqual([expect.stringMatching(/ DEBUG job catalog-sync-tick skipped$/)]);
  });

  it('LOG_LEVEL error keeps only errors; silent prints nothing', () => {
    const e = capture('error');
    e.log('a', undefined, 'warn');
    e.log('b', undefined, 'error');
    expect([e.out, e.err.map((l) => l.split(' ').slice(1).join(' '))]).toEqual([[], ['ERROR b']]);
    const s = capture('silent');
    s.log('c', undefined, 'error');
    expect([s.out, s.err]).toEqual([[], []]);
  });
});

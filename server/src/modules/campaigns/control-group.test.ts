import { sql, type SQL } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, rowsOf, type Database } from '../../db/client.js';
import { assignGroup, assignGroupSql, controlDigestSql, controlPosition, controlPositionSql, digestInControlSql, isControl, isControlSql, newControlSalt } from './control-group.js';

let database: Database;
beforeAll(async () => {
  database = await openPglite(null);
});
afterAll(async () => {
  await database.close();
});

/** Evaluates an expression over (salt, id) pairs in one statement, in order. */
async function overPairs<T>(pairs: ReadonlyArray<readonly [string, string]>, expr: (salt: SQL, id: SQL) => SQL): Promise<T[]> {
  const salts = pairs.map((p) => p[0]);
  const ids = pairs.map((p) => p[1]);
  const result = await database.db.execute(
    sql`select ${expr(sql`t.salt`, sql`t.id`)} as v from unnest(${sql.param(salts)}::text[], ${sql.param(ids)}::text[]) with ordinality as t(salt, id, n) order by t.n`,
  );
  return rowsOf<{ v: T }>(result).map((r) => r.v);
}

const ids = (n: number, prefix = 'sub-') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(7, '0')}`);
// Text PostgreSQL can hold: no NUL, no lone surrogate.
const pgText = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength }).filter((s) => !s.includes('\0'));

describe('controlPosition', () => {
  it('is the top 53 bits of SHA-256("salt:id") over 2^53 (vectors computed with Python hashlib)', () => {
    expect(controlPosition('c0ffee', '966512345678')).toBe(2720392912542951 / 2 ** 53);
    expect(controlPosition('c0ffee', '966512345678')).toBe(0.3020242847532274);
    expect(controlPosition('spring-2026', 'sub-000001')).toBe(0.14068042687431348);
    expect(controlPosition('ملح', 'مشترك-٧')).toBe(0.0917636064240478);
  });

  it('lies in [0, 1) and is the same on every call (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (salt, id) => {
        const p = controlPosition(salt, id);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(1);
        expect(controlPosition(salt, id)).toBe(p);
      }),
      { numRuns: 2000 },
    );
  });

  it('share 0 holds no one out, share 1 everyone, and a bad share is refused', () => {
    expect(isControl('s', 'a', 0)).toBe(false);
    expect(isControl('s', 'a', 1)).toBe(true);
    expect(assignGroup('spring-2026', 'sub-000001', 0.1)).toBe('treated');
    expect(assignGroup('spring-2026', 'sub-000001', 0.15)).toBe('control');
    for (const bad of [-0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => isControl('s', 'a', bad)).toThrow(RangeError);
    expect(() => isControlSql('s', sql`'a'`, 2)).toThrow(RangeError);
  });

  it('a fresh salt is 32 hex characters and differs each time', () => {
    const a = newControlSalt();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(newControlSalt()).not.toBe(a);
  });
});

describe('the SQL expression agrees exactly with JavaScript (real PGlite)', () => {
  it('on the known vectors, with the salt as a parameter and as a column', async () => {
    const one = await database.db.execute(sql`select ${controlPositionSql('c0ffee', sql`${'966512345678'}::text`)} as v`);
    expect(rowsOf<{ v: number }>(one)[0]!.v).toBe(0.3020242847532274);
    expect(await overPairs<number>([['ملح', 'مشترك-٧']], (s, i) => controlPositionSql(s, i))).toEqual([0.0917636064240478]);
  });

  it('for thousands of random salts and ids, ASCII and any script', async () => {
    const pairs = fc.sample(fc.tuple(fc.oneof(fc.string({ maxLength: 40 }), pgText(20), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 })), fc.oneof(fc.string({ maxLength: 40 }), pgText(30), fc.stringMatching(/^9665\d{8}$/))), { numRuns: 5000 });
    const fromSql = await overPairs<number>(pairs, (s, i) => controlPositionSql(s, i));
    const mismatches = pairs.filter(([salt, id], k) => controlPosition(salt, id) !== fromSql[k]);
    expect(mismatches).toEqual([]);
  });

  it('on the group at shares that are not exact in binary, at the boundary itself too', async () => {
    const pairs = ids(3000).map((id) => ['boundary-salt', id] as const);
    for (const share of [0, 0.1, 1 / 3, 0.07, 0.5, 0.999, 1, controlPosition('boundary-salt', 'sub-0000042')]) {
      const fromSql = await overPairs<boolean>(pairs, (s, i) => isControlSql(s, i, share));
      expect(fromSql).toEqual(pairs.map(([salt, id]) => isControl(salt, id, share)));
      // The same group read from the digest's bytes (the audience preview's way).
      const fromDigest = await overPairs<boolean>(pairs, (s, i) => digestInControlSql(controlDigestSql(s, i), share));
      expect(fromDigest).toEqual(fromSql);
      const groups = await overPairs<string>(pairs, (s, i) => assignGroupSql(s, i, share));
      expect(groups).toEqual(pairs.map(([salt, id]) => assignGroup(salt, id, share)));
    }
    // The subscriber whose place is the share itself is treated (strictly below is control) on both sides.
    const edge = controlPosition('boundary-salt', 'sub-0000042');
    expect(isControl('boundary-salt', 'sub-0000042', edge)).toBe(false);
  });

  it('for any salt, id and share (property, one query per case)', async () => {
    await fc.assert(
      fc.asyncProperty(pgText(24), pgText(24), fc.double({ min: 0, max: 1, noNaN: true }), async (salt, id, share) => {
        const r = await database.db.execute(
          sql`select ${controlPositionSql(salt, sql`${id}::text`)} as p, ${isControlSql(salt, sql`${id}::text`, share)} as c,
            ${digestInControlSql(controlDigestSql(salt, sql`${id}::text`), share)} as d`,
        );
        const row = rowsOf<{ p: number; c: boolean; d: boolean }>(r)[0]!;
        expect(row.p).toBe(controlPosition(salt, id));
        expect(row.c).toBe(isControl(salt, id, share));
        expect(row.d).toBe(row.c);
      }),
      { numRuns: 150 },
    );
  });
});

describe('the groups', () => {
  const population = ids(100_000);

  it('hold the control share within tolerance over a large audience, in JS and in SQL', async () => {
    for (const share of [0.1, 0.25]) {
      const control = population.filter((id) => isControl('campaign-7', id, share)).length;
      const sd = Math.sqrt(population.length * share * (1 - share));
      expect(Math.abs(control - population.length * share)).toBeLessThan(5 * sd);
      const r = await database.db.execute(
        sql`select count(*)::int as n from generate_series(0, ${population.length - 1}) as g(i) where ${isControlSql('campaign-7', sql`('sub-' || lpad(g.i::text, 7, '0'))`, share)}`,
      );
      expect(rowsOf<{ n: number }>(r)[0]!.n).toBe(control);
    }
  });

  it('spread evenly over [0, 1) (chi-square over 20 bins)', () => {
    const bins = new Array<number>(20).fill(0);
    for (const id of population) bins[Math.floor(controlPosition('uniformity', id) * 20)]! += 1;
    const expected = population.length / 20;
    const chi2 = bins.reduce((sum, b) => sum + (b - expected) ** 2 / expected, 0);
    // 19 degrees of freedom: 43.8 is the 99.9th percentile.
    expect(chi2).toBeLessThan(43.8);
  });

  it("do not depend on who else is in the audience: a subscriber's group alone equals its group in any set (property)", async () => {
    const everyone = ids(500);
    const inSet = await overPairs<boolean>(everyone.map((id) => ['independence', id] as const), (s, i) => isControlSql(s, i, 0.3));
    fc.assert(
      fc.property(fc.subarray(everyone.map((id, k) => [id, k] as const), { minLength: 1 }), (subset) => {
        for (const [id, k] of subset) expect(isControl('independence', id, 0.3)).toBe(inSet[k]);
      }),
      { numRuns: 200 },
    );
    // The same subset evaluated in SQL on its own, in another order.
    const subset = everyone.filter((_, k) => k % 7 === 3).reverse();
    const alone = await overPairs<boolean>(subset.map((id) => ['independence', id] as const), (s, i) => isControlSql(s, i, 0.3));
    expect(alone).toEqual(subset.map((id) => inSet[everyone.indexOf(id)]));
  });

  it('only grow when the share grows (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (id, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        if (isControl('growth', id, low)) expect(isControl('growth', id, high)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('are independent between campaigns: two salts overlap as chance says', () => {
    const share = 0.2;
    const sample = population;
    const both = sample.filter((id) => isControl('campaign-a', id, share) && isControl('campaign-b', id, share)).length;
    const p = share * share;
    const sd = Math.sqrt(sample.length * p * (1 - p));
    expect(Math.abs(both - sample.length * p)).toBeLessThan(5 * sd);
  });
});

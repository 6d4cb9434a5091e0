import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { MlReason } from '@lyra/contracts';
import { fromStoredReasons, toStoredReasons } from './stored-reasons.js';

const reason = fc.record({
  feature: fc.string({ minLength: 1 }),
  // TreeSHAP reasons never carry a zero contribution (topReasons leaves them out).
  contribution: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((c) => c !== 0),
  value: fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null)),
}).map((r): MlReason => ({ ...r, direction: r.contribution > 0 ? 'increases' : 'decreases' }));

describe('stored reasons', () => {
  it('come back as they went, the contribution to 6 significant digits, through JSON', () => {
    fc.assert(
      fc.property(fc.array(reason, { maxLength: 6 }), (reasons) => {
        const back = fromStoredReasons(JSON.parse(JSON.stringify(toStoredReasons(reasons))));
        expect(back.map((r) => [r.feature, r.value, r.direction])).toEqual(reasons.map((r) => [r.feature, Object.is(r.value, -0) ? 0 : r.value, r.direction]));
        back.forEach((r, i) => expect(Math.abs(r.contribution - reasons[i]!.contribution)).toBeLessThanOrEqual(Math.abs(reasons[i]!.contribution) * 5e-6));
      }),
    );
  });

  it('are triples, much shorter than the objects', () => {
    const reasons: MlReason[] = [{ feature: 'status', value: 'suspended', direction: 'decreases', contribution: -1.1374334807336983 }];
    expect(toStoredReasons(reasons)).toEqual([['status', 'suspended', -1.13743]]);
    expect(JSON.stringify(toStoredReasons(reasons)).length).toBeLessThan(JSON.stringify(reasons).length / 2);
  });

  it('read rows written as objects before the triples, and nothing from what is not an array', () => {
    const old = [{ feature: 'spend3m', value: 12.5, direction: 'increases', contribution: 0.25, extra: 1 }];
    expect(fromStoredReasons(old)).toEqual([{ feature: 'spend3m', value: 12.5, direction: 'increases', contribution: 0.25 }]);
    expect(fromStoredReasons(null)).toEqual([]);
    expect(fromStoredReasons({ feature: 'x' })).toEqual([]);
  });
});

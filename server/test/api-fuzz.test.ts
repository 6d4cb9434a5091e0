import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, runApiFuzz, seedFuzzData } from './fuzz/api-fuzz.js';
import { createTestContext, type TestContext } from './helpers.js';

/**
 * Every operation of the OpenAPI document, fed generated malformed input (see fuzz/api-fuzz.ts):
 * no 5xx, every error in the envelope, nothing changed by a refused request. Bounded for CI; a
 * longer run is `npm run fuzz -- --requests 20000`. FUZZ_SEED replays or varies a run.
 */
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 1000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261203);

describe('the API survives malformed input on every operation', () => {
  let t: TestContext;
  let pathIds: Record<string, string[]>;
  beforeAll(async () => {
    t = await createTestContext();
    pathIds = await seedFuzzData(t);
  });
  afterAll(() => t.close());

  it(`answers ${REQUESTS} fuzzed requests without a 5xx, always in the envelope, changing nothing when refusing`, async () => {
    const report = await runApiFuzz(t, { requests: REQUESTS, seed: SEED, pathIds });
    console.log(`fuzz seed ${SEED}: ${formatReport(report)}`);
    expect(report.problems).toEqual([]);
    expect(report.requests).toBe(REQUESTS);
  }, 240_000);
});

/**
 * `npm run fuzz -- --requests 20000 [--seed N]`: the API fuzzer on a fresh database (in-memory
 * PGlite, or TEST_DATABASE_URL's server). Prints `N requests, X 5xx, Y non-envelope` and the
 * first problems; exits 1 when there are any.
 */
import { parseArgs } from 'node:util';
import { createTestContext } from '../helpers.js';
import { formatReport, runApiFuzz, seedFuzzData } from './api-fuzz.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '20000' }, seed: { type: 'string' } } });
const requests = Number(values.requests);
const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
if (!Number.isInteger(requests) || requests < 1) throw new Error('--requests must be a positive integer');

const t = await createTestContext();
try {
  const pathIds = await seedFuzzData(t);
  const started = Date.now();
  const report = await runApiFuzz(t, {
    requests, seed, pathIds,
    onRequest: (done) => { if (done % 1000 === 0) process.stderr.write(`${done}/${requests} (${Math.round((Date.now() - started) / 1000)} s)\n`); },
  });
  for (const p of report.problems.slice(0, 30)) console.log(`${p.status} ${p.problem}: ${p.request}\n    ${p.body}`);
  console.log(`seed ${seed}: ${formatReport(report)}`);
  process.exitCode = report.problems.length ? 1 : 0;
} finally {
  await t.close();
}

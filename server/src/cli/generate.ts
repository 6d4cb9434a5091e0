/**
 * `npm run generate -- --customers 100000 --seed 1 [--snapshot 2026-11-01] [--months 12] [--chunk 5000]`
 * Generates synthetic subscribers with their history and outcomes (modules/customers/synthetic.ts)
 * over the active catalog and loads them through the customer import functions the API uses.
 * Uses the same configuration as `npm start` (DATA_DIR or DATABASE_URL). Re-running with the same
 * seed and snapshot upserts the same rows.
 */
import { SYSTEM_ACTOR } from '../modules/auth/permissions.js';
import { defaultSnapshot, LOAD_ORDER, loadSyntheticCustomers } from '../modules/customers/customers.seed.js';
import { withCliDatabase } from './database.js';

const USAGE = 'usage: npm run generate -- --customers N [--seed N] [--snapshot YYYY-MM-DD] [--months 6..36] [--chunk N]';

function parseArgs(argv: string[]) {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) throw new Error(`--${a.slice(2)} needs a value`);
    out[a.slice(2)] = next;
    i++;
  }
  const unknown = Object.keys(out).filter((k) => !['customers', 'seed', 'snapshot', 'months', 'chunk'].includes(k));
  if (unknown.length) throw new Error(`unknown option --${unknown[0]}`);
  const int = (name: string, fallback: number | undefined, min: number, max: number) => {
    const v = out[name];
    if (v === undefined) {
      if (fallback === undefined) throw new Error(`--${name} is required`);
      return fallback;
    }
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
    return Number(v);
  };
  const snapshot = out.snapshot;
  if (snapshot !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(snapshot) || Number.isNaN(Date.parse(`${snapshot}T00:00:00Z`)))) throw new Error('--snapshot must be a date such as 2026-11-01');
  return {
    customers: int('customers', undefined, 1, 20_000_000),
    seed: int('seed', 1, 0, 2 ** 31 - 1),
    snapshot,
    months: int('months', 12, 6, 36),
    chunk: int('chunk', 5000, 100, 100_000),
  };
}

const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

async function main() {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  await withCliDatabase({ container: () => ({ sessionTtlHours: 1 }), errorMessageOnly: true }, async ({ config, database, container }) => {
    const snapshot = args.snapshot ?? defaultSnapshot();
    console.log(`Generating ${fmt(args.customers)} subscribers (seed ${args.seed}, snapshot ${snapshot}, ${args.months} months of history) into ${database.kind === 'pglite' ? config.dataDir : 'PostgreSQL'}`);
    const result = await loadSyntheticCustomers(container, {
      customers: args.customers,
      seed: args.seed,
      snapshot,
      historyMonths: args.months,
      chunk: args.chunk,
      actor: { ...SYSTEM_ACTOR, email: 'cli' },
      onProgress: (p) => {
        const s = p.elapsedMs / 1000;
        console.log(`  ${fmt(p.done).padStart(11)} / ${fmt(p.total)} subscribers  ${fmt(p.rows).padStart(11)} rows  ${s.toFixed(1).padStart(6)}s  ${fmt(Math.round(p.rows / Math.max(s, 0.001)))} rows/s`);
      },
    });
    const seconds = result.elapsedMs / 1000;
    console.log(`\nLoaded ${fmt(result.rows)} rows in ${seconds.toFixed(1)}s (${fmt(Math.round(result.rows / seconds))} rows/s); catalog ${result.products} products, currency ${result.currency}; data extracted on ${result.extractedOn}`);
    for (const t of LOAD_ORDER) console.log(`  ${t.padEnd(10)} created ${fmt(result.tables[t].created).padStart(10)}  updated ${fmt(result.tables[t].updated).padStart(10)}`);
    const s = result.summary;
    console.log('Outcomes after the snapshot (mean true probability vs drawn rate):');
    console.log(`  purchase in 30 days   ${fmt(s.purchase.pairs)} subscriber-product pairs  p ${pct(s.purchase.meanP)}  rate ${pct(s.purchase.positives / Math.max(1, s.purchase.pairs))}`);
    console.log(`  campaign response     ${fmt(s.response.contacts)} contacts  p ${pct(s.response.meanP)}  rate ${pct(s.response.positives / Math.max(1, s.response.contacts))}`);
    console.log(`  bill unpaid +30 days  ${fmt(s.default.bills)} bills  p ${pct(s.default.meanP)}  rate ${pct(s.default.positives / Math.max(1, s.default.bills))}`);
  });
}

void main();

/**
 * `npm run bench -- <name> [options]`: each benchmark prints its figures beside a baseline measured
 * in the same run, as ratios, so results mean something on a shared, noisy machine.
 */
const BENCHES: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  'catalog-api': () => import('./catalog-api.js'),
  'catalog-sync': () => import('./catalog-sync.js'),
  ml: () => import('./ml-entry.js'),
  'ml-threads': () => import('./ml-threads.js'),
  'ml-predict': () => import('./ml-predict.js'),
  campaigns: () => import('./campaigns.js'),
  scale: () => import('./scale.js'),
  'demo-start': () => import('./demo-start.js'),
};

async function main() {
  const [name, ...args] = process.argv.slice(2);
  const load = name ? BENCHES[name] : undefined;
  if (!load) {
    console.error(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}> [options]`);
    process.exit(2);
  }
  const bench = await load();
  await bench.run(args);
  process.exit(0);
}

void main();

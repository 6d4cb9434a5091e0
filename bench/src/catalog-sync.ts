export async function run(_args: string[]) {
  const { runCatalogSyncBench } = await import('./catalog-sync-bench.js');
  await runCatalogSyncBench(_args);
}

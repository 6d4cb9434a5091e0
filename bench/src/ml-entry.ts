export async function run(args: string[]) {
  const { runMlBench } = await import('./ml.js');
  const i = args.indexOf('--rows');
  await runMlBench({ rows: i >= 0 ? Number(args[i + 1]) : undefined, quick: args.includes('--quick') });
}

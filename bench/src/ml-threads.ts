/**
 * Where two histogram threads start to pay: GBDT training time with one and with
 * two threads on growing synthetic training sets (the evaluation command's
 * default depth and learning rate), best of three runs each, taken alternately so
 * a noisy neighbour slows both sides alike.
 *
 *   npm run bench -- ml-threads [--rows 10000,25000,50000,100000,200000] [--trees 50] [--features 10]
 *
 * Prints the time ratio 2 threads / 1 thread per size and the smallest size from
 * which two threads stay faster, beside the evaluation command's threshold
 * (packages/ml/src/cli-args.ts AUTO_THREADS_MIN_ROWS: one thread below it).
 */
import { availableParallelism } from 'node:os';
import { syntheticBinary, trainGbdt } from '@lyra/ml';
import { AUTO_THREADS_MIN_ROWS } from '../../packages/ml/src/cli-args.js';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function run(args: string[]): Promise<void> {
  const sizes = (option(args, 'rows') ?? '10000,25000,50000,100000,200000').split(',').map(Number);
  const trees = Number(option(args, 'trees') ?? 50);
  const features = Number(option(args, 'features') ?? 10);
  if (sizes.some((n) => !Number.isInteger(n) || n < 100) || !(trees >= 1) || !(features >= 9)) {
    throw new Error('ml-threads: --rows N,N,... (>= 100), --trees N, --features N (>= 9)');
  }
  const cores = availableParallelism();
  console.log(`ml.threads: ${trees} trees, depth 6, eta 0.1, ${features} features, ${cores} cores; best of 3, 1 and 2 threads alternately`);
  if (cores < 2) console.log('ml.threads: one core only: two threads cannot pay here');
  const ratios: Array<{ rows: number; ratio: number }> = [];
  for (const rows of sizes) {
    const { dataset } = syntheticBinary({ rows, features, seed: 7 });
    const best = new Map<number, number>([
      [1, Infinity],
      [2, Infinity],
    ]);
    for (let rep = 0; rep < 3; rep++) {
      for (const threads of rep % 2 === 0 ? [1, 2] : [2, 1]) {
        const t = performance.now();
        await trainGbdt(dataset, { nTrees: trees, maxDepth: 6, learningRate: 0.1, seed: 1, nThreads: threads });
        best.set(threads, Math.min(best.get(threads)!, (performance.now() - t) / 1000));
      }
    }
    const ratio = best.get(2)! / best.get(1)!;
    ratios.push({ rows, ratio });
    console.log(`ml.threads rows=${rows} 1t=${best.get(1)!.toFixed(2)}s 2t=${best.get(2)!.toFixed(2)}s ratio 2t/1t=${ratio.toFixed(2)}`);
  }
  // smallest size from which every larger size also trains faster on two threads
  let from: number | null = null;
  for (let i = ratios.length - 1; i >= 0 && ratios[i]!.ratio < 1; i--) from = ratios[i]!.rows;
  const where = from === null ? `none of the sizes up to ${sizes[sizes.length - 1]}` : `${from} rows and up`;
  console.log(`ml.threads two threads faster from: ${where}; the evaluation command uses one thread below ${AUTO_THREADS_MIN_ROWS} rows`);
}

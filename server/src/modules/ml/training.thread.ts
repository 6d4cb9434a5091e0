import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TrainingInput, TrainingOutput, TrainingProgress } from './training.js';

type WorkerMessage = { type: 'progress'; progress: TrainingProgress } | { type: 'done'; output: TrainingOutput } | { type: 'error'; message: string };

/** tsx's ESM register API, from its package exports. */
function tsxApiUrl(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(path.join(path.dirname(manifest), pkg.exports['./esm/api']!.import.default)).href;
}

/** The parent's node flags minus its own tsx hooks (a flag and its value), which the worker gets anew. */
function withoutTsx(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === '--import' || a === '--require' || a === '-r' || a === '--loader') && argv[i + 1]?.includes('tsx')) i++;
    else if (!(a.startsWith('--') && a.includes('=') && a.includes('tsx'))) out.push(a);
  }
  return out;
}

/**
 * Runs the training pipeline in a worker thread: the trees take seconds to minutes of CPU, and the
 * API (health checks, predictions) must keep answering meanwhile. Lyra runs from TypeScript sources
 * (tsx, vitest), so a .ts worker gets tsx's hooks; compiled JavaScript runs as it is.
 */
export function trainInWorker(input: TrainingInput, onProgress: (p: TrainingProgress) => void): Promise<TrainingOutput> {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`./training.worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  // Node 20 does not hand a thread's module hooks to its workers and tsx skips --import in them:
  // the worker registers tsx itself through its API, then imports the entry.
  const worker = fromSource
    ? new Worker(`import(${JSON.stringify(tsxApiUrl())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`, {
        eval: true,
        execArgv: withoutTsx(process.execArgv),
      })
    : new Worker(url);
  const transfer: ArrayBuffer[] = [];
  const seen = new Set<ArrayBufferLike>();
  const keep = (a: { buffer: ArrayBufferLike }) => {
    if (a.buffer instanceof ArrayBuffer && !seen.has(a.buffer)) {
      seen.add(a.buffer);
      transfer.push(a.buffer);
    }
  };
  for (const c of input.columns) keep(c.kind === 'numeric' ? c.values : c.codes);
  keep(input.label);
  if (input.treatment) keep(input.treatment);
  if (input.groups) keep(input.groups);
  if (input.evaluation) {
    for (const c of input.evaluation.columns) keep(c.kind === 'numeric' ? c.values : c.codes);
    keep(input.evaluation.label);
    keep(input.evaluation.groups);
  }
  return new Promise<TrainingOutput>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress(m.progress);
      else if (m.type === 'done') finish(() => resolve(m.output));
      else finish(() => reject(new Error(m.message)));
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) => finish(() => reject(new Error(`training worker exited with code ${code}`))));
    // The data set's buffers move to the worker instead of being copied.
    worker.postMessage(input, transfer);
  });
}

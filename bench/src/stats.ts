import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

export interface LoadResult {
  label: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  bytes: number;
}

export interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  throughput: { average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

/** Runs autocannon with these arguments in its own process (the load generator does not share the server's event loop). */
export async function autocannon(args: string[]): Promise<AutocannonJson> {
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [autocannonBin, '-j', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`autocannon exited ${code}`))));
  });
  return JSON.parse(out) as AutocannonJson;
}

/** Drives one URL for a while and keeps the figures we print. */
export async function load(label: string, url: string, opts: { connections?: number; seconds?: number; headers?: Record<string, string> } = {}): Promise<LoadResult> {
  const args = ['-c', String(opts.connections ?? 20), '-d', String(opts.seconds ?? 10)];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}=${v}`);
  args.push(url);
  const r = await autocannon(args);
  return {
    label,
    reqPerSec: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    bytes: r.throughput.average / Math.max(1, r.requests.average),
  };
}

export const fmt = (n: number, digits = 1) => n.toFixed(digits);

export function printLoad(r: LoadResult, baseline?: LoadResult) {
  const ratio = baseline ? ` ratio=${fmt(r.reqPerSec / baseline.reqPerSec, 2)}` : '';
  const bad = r.errors || r.non2xx ? ` ERRORS=${r.errors} non2xx=${r.non2xx}` : '';
  console.log(`${r.label.padEnd(44)} req/s=${fmt(r.reqPerSec, 0).padStart(6)} p50=${fmt(r.p50)}ms p99=${fmt(r.p99)}ms${ratio}${bad}`);
}

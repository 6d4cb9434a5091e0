import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

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
 * Starts the worker thread module `name` (without extension) that sits next to the calling module
 * `callerUrl` (its import.meta.url). Lyra runs from TypeScript sources (tsx, vitest), so a .ts worker
 * gets tsx's hooks; compiled JavaScript runs as it is. `options.workerData` is the worker's `workerData`.
 */
export function startModuleWorker(callerUrl: string, name: string, options: { workerData?: unknown } = {}): Worker {
  const fromSource = callerUrl.endsWith('.ts');
  const url = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, callerUrl);
  if (!fromSource) return new Worker(url, options);
  // Node 20 does not hand a thread's module hooks to its workers and tsx skips --import in them:
  // the worker registers tsx itself through its API, then imports the entry.
  const code = `import(${JSON.stringify(tsxApiUrl())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  const execArgv = withoutTsx(process.execArgv);
  try {
    return new Worker(code, { ...options, eval: true, execArgv });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
    // V8's and other process-wide flags (--expose-gc, --max-old-space-size=...) hold for every thread
    // already, yet a worker given them explicitly refuses to start; Node's message lists them.
    const refused = String((err as Error).message).replace(/^[^:]*:/, '').split(',').map((f) => f.trim()).filter(Boolean);
    return new Worker(code, { ...options, eval: true, execArgv: execArgv.filter((a) => !refused.includes(a)) });
  }
}

#!/usr/bin/env node
// Compiles the server into server/dist/ (npm run build:server; `npm start` runs it when stale).
//
// One ESM bundle per entry: main.js, and one per worker thread, because a worker is a separate
// module graph that `startModuleWorker` loads from a file beside its caller, and in the bundle
// every caller sits in server/dist/. Lyra's workspace packages (@lyra/*) are TypeScript sources
// and are compiled in; every other package stays an import resolved from node_modules at run time
// (native add-ons, PGlite's wasm files and pino's transport threads need their real paths).
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SERVER_DIST = path.join(root, 'server', 'dist');
const STAMP = path.join(SERVER_DIST, '.built');
const MAIN = path.join(root, 'server', 'src', 'main.ts');
const MIGRATIONS = path.join(root, 'server', 'src', 'db', 'migrations');

/** What the bundle is made of: a change to any of these makes it stale. */
function sourceRoots() {
  const packages = path.join(root, 'packages');
  const workspaces = existsSync(packages) ? readdirSync(packages).map((p) => path.join(packages, p)) : [];
  return [
    path.join(root, 'server', 'src'),
    path.join(root, 'server', 'package.json'),
    path.join(root, 'simulators', 'src'),
    path.join(root, 'simulators', 'package.json'),
    ...workspaces.flatMap((p) => [path.join(p, 'src'), path.join(p, 'package.json')]),
    path.join(root, 'package-lock.json'),
    fileURLToPath(import.meta.url),
  ];
}

function* filesUnder(p) {
  if (!existsSync(p)) return;
  const st = statSync(p);
  if (!st.isDirectory()) {
    yield { file: p, mtimeMs: st.mtimeMs };
    return;
  }
  for (const entry of readdirSync(p)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    yield* filesUnder(path.join(p, entry));
  }
}

/** Whether server/dist is missing or older than one of its sources. */
export function serverBuildIsStale() {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  for (const root of sourceRoots()) {
    for (const { mtimeMs } of filesUnder(root)) if (mtimeMs > built) return true;
  }
  return false;
}

/**
 * Worker entries: each `startModuleWorker(import.meta.url, 'name')` in the sources names
 * `name.ts` beside the calling file. Two workers of the same name would meet in dist/: refused.
 */
function workerEntries() {
  const call = /startModuleWorker\(\s*import\.meta\.url\s*,\s*['"]([\w.-]+)['"]\s*\)/g;
  const entries = {};
  const roots = sourceRoots().filter((p) => p.endsWith(`${path.sep}src`));
  for (const dir of roots) {
    for (const { file } of filesUnder(dir)) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      for (const m of readFileSync(file, 'utf8').matchAll(call)) {
        const name = m[1];
        const entry = path.join(path.dirname(file), `${name}.ts`);
        if (!existsSync(entry)) throw new Error(`${path.relative(root, file)} starts worker '${name}', but ${path.relative(root, entry)} does not exist`);
        if (entries[name] && entries[name] !== entry) throw new Error(`Two workers named '${name}' (${entries[name]}, ${entry}): they would share server/dist/${name}.js`);
        entries[name] = entry;
      }
    }
  }
  return entries;
}

/** Bare imports stay imports, except Lyra's own workspace packages, whose TypeScript is compiled in. */
const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@lyra/') || path.isAbsolute(args.path) ? undefined : { path: args.path, external: true }));
  },
};

export async function buildServer() {
  const { build } = await import('esbuild');
  // Sources saved while the build runs are newer than the stamp, so the next start builds again.
  const startedAt = new Date();
  mkdirSync(SERVER_DIST, { recursive: true });
  const result = await build({
    entryPoints: { main: MAIN, ...workerEntries() },
    outdir: SERVER_DIST,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    // Stack traces and logs name the real functions.
    keepNames: true,
    logLevel: 'warning',
    plugins: [externalPackages],
    write: false,
  });
  // Each output replaces the old one by a rename, never deleted or half-written: a server already
  // running from dist/ still finds its worker files, and two starts building at once do no harm.
  for (const file of result.outputFiles) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
  // db/client.ts finds its migrations beside itself (./migrations), which in the bundle is dist/.
  cpSync(MIGRATIONS, path.join(SERVER_DIST, 'migrations'), { recursive: true });
  writeFileSync(STAMP, `${startedAt.toISOString()}\n`);
  utimesSync(STAMP, startedAt, startedAt);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now();
  buildServer().then(
    () => console.log(`Server built into ${path.relative(process.cwd(), SERVER_DIST) || '.'} in ${Date.now() - started} ms`),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}

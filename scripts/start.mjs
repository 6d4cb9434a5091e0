#!/usr/bin/env node
// `npm start`: builds the console and the server when a build is missing or older than its sources,
// then runs the compiled server (plain node; TypeScript is not compiled at run time).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer, SERVER_DIST, serverBuildIsStale } from './build-server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'web', 'dist', 'index.html');
const sources = [path.join(root, 'web', 'src'), path.join(root, 'web', 'index.html'), path.join(root, 'web', 'vite.config.ts'), path.join(root, 'packages', 'contracts', 'src')];

function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

const built = existsSync(dist) ? statSync(dist).mtimeMs : 0;
const stale = sources.some((s) => newestMtime(s) > built);
if (stale && existsSync(path.join(root, 'web', 'index.html'))) {
  console.log(built ? 'Console sources changed: rebuilding the web console...' : 'Building the web console (first start)...');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'web', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('Building the console failed; see the errors above.');
    process.exit(r.status ?? 1);
  }
}

if (serverBuildIsStale()) {
  console.log(existsSync(path.join(SERVER_DIST, 'main.js')) ? 'Server sources changed: rebuilding the server...' : 'Building the server (first start)...');
  try {
    await buildServer();
  } catch (err) {
    console.error(`Building the server failed: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}

// glibc's allocator keeps what the training and scoring threads free: every thread gets its own
// 64 MB arenas and, once a large typed array is freed, arrays up to 32 MB stop getting their own
// mappings, so a demo server stayed at 1.05 GB after its first trainings instead of ~0.47 GB.
// Two arenas and a fixed mmap threshold (large arrays mapped and unmapped on free) give it back.
// An operator's own values win; other C libraries (musl) ignore these.
const allocator = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };

// Source maps: stack traces name the TypeScript files and lines. --expose-gc: once background jobs
// are quiet, the server collects the garbage they left (lib/heap-release.ts) instead of holding
// it until V8's next scheduled collection, which an idle server may never reach.
const child = spawn(process.execPath, ['--enable-source-maps', '--expose-gc', path.join(SERVER_DIST, 'main.js')], { cwd: root, stdio: 'inherit', env: { ...allocator, ...process.env } });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * PGlite is one process's database: a second process opening the same folder would corrupt it.
 * The server holds this lock; command-line tools check it and refuse while the server runs.
 */
export function lockPath(dataDir: string) {
  return path.join(dataDir, 'lyra.pid');
}

export function runningPid(dataDir: string): number | null {
  const file = lockPath(dataDir);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null; // stale lock from a process that died
  }
}

export function acquireLock(dataDir: string): () => void {
  const other = runningPid(dataDir);
  if (other) throw new Error(`Another Lyra process (pid ${other}) is using ${dataDir}; stop it first, or use DATABASE_URL with a PostgreSQL server to run several.`);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(lockPath(dataDir), String(process.pid));
  return () => rmSync(lockPath(dataDir), { force: true });
}

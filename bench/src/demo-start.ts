/**
 * `npm run bench -- demo-start [--idle-seconds 20] [--timeout-seconds 900] [--keep-logs]`
 *
 * The demo's first start as a newcomer sees it: `node scripts/start.mjs` (which builds what is
 * stale) on a fresh data directory and a free port, PGlite, simulators and demo data. Measured from
 * outside only: /healthz, then the ML API (as the admin) until all three models have an active
 * version and a finished batch scoring run; meanwhile the server process's resident memory (VmRSS
 * of /proc/<pid>/status, which counts every worker thread: they share the process) every 500 ms.
 *
 * Targets (issue 12): ready ≤ 90 s after /healthz answers; peak RSS while training and scoring
 * ≤ 1 GB; RSS when idle (after a pause once everything finished) ≤ 500 MB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const API = '/api/loyalty/v1';
const MODELS = ['propensity_to_buy', 'campaign_response', 'payment_default_risk'] as const;
const ADMIN_EMAIL = 'admin@lyra.local';
const ADMIN_PASSWORD = 'bench-admin-password-1';
const MB = 1024 * 1024;

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** VmRSS and VmHWM of a process in bytes (null once it is gone). */
function memoryOf(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** The server process: start.mjs builds what is stale, then spawns node on server/dist/main.js. */
function serverPid(launcher: number): number | null {
  try {
    const children = readFileSync(`/proc/${launcher}/task/${launcher}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    for (const pid of children) {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes(path.join('server', 'dist', 'main.js'))) return pid;
    }
  } catch {
    // not started yet or gone
  }
  return null;
}

type Phase = 'startup' | 'training' | 'scoring' | 'idle';

interface ModelState {
  active: boolean;
  trained: boolean;
  scored: boolean;
  progress: string;
}

async function api<T>(url: string, token: string, p: string): Promise<T> {
  const res = await fetch(`${url}${API}${p}`, { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}${API}/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

interface ModelInfo {
  name: string;
  active_version: { version: number } | null;
  latest_version: { version: number; status: string; progress: { stage: string; iteration: number; total: number } } | null;
}

async function modelStates(url: string, token: string): Promise<Record<string, ModelState>> {
  const list = (await api<{ results: ModelInfo[] }>(url, token, '/ml/models/')).results;
  const out: Record<string, ModelState> = {};
  for (const name of MODELS) {
    const m = list.find((x) => x.name === name);
    const latest = m?.latest_version;
    const trained = latest?.status === 'ready' || latest?.status === 'failed';
    let scored = false;
    if (m?.active_version) {
      const runs = (await api<{ results: { status: string }[] }>(url, token, `/ml/models/${name}/scoring-runs/?limit=5`)).results;
      scored = runs.some((r) => r.status !== 'queued' && r.status !== 'running');
    }
    out[name] = { active: !!m?.active_version, trained, scored, progress: latest ? `${latest.status} ${latest.progress.stage} ${latest.progress.iteration}/${latest.progress.total}` : 'none' };
  }
  return out;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

export async function run(args: string[]): Promise<void> {
  const idleSeconds = Number(arg(args, 'idle-seconds') ?? 20);
  const timeoutSeconds = Number(arg(args, 'timeout-seconds') ?? 900);
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lyra-bench-demo-'));
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'scripts', 'start.mjs')], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_EMAIL, ADMIN_PASSWORD, DEMO: '1', SIMULATOR_PORT: '0', LOG_LEVEL: 'info',
    },
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-500_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // gone
      }
      if (!(await Promise.race([exited(child).then(() => true), sleep(15_000).then(() => false)]))) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone
        }
        await exited(child);
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  // Memory sampler: every 500 ms, attributed to the phase the API last showed.
  let phase: Phase = 'startup';
  const peaks: Record<Phase, number> = { startup: 0, training: 0, scoring: 0, idle: 0 };
  const peakAt: Record<Phase, number> = { startup: 0, training: 0, scoring: 0, idle: 0 };
  let pid: number | null = null;
  let hwm = 0;
  const timeline: string[] = [];
  let lastLine = 0;
  const sampler = setInterval(() => {
    pid ??= child.pid !== undefined ? serverPid(child.pid) : null;
    if (pid === null) return;
    const m = memoryOf(pid);
    if (!m) return;
    hwm = Math.max(hwm, m.hwm);
    const t = (performance.now() - started) / 1000;
    if (m.rss > peaks[phase]) {
      peaks[phase] = m.rss;
      peakAt[phase] = t;
    }
    if (t - lastLine >= 5) {
      lastLine = t;
      timeline.push(`${t.toFixed(0).padStart(4)}s ${phase.padEnd(8)} rss=${(m.rss / MB).toFixed(0)}MB`);
    }
  }, 500);

  try {
    const deadline = started + timeoutSeconds * 1000;
    let healthyAt = 0;
    while (!healthyAt) {
      if (performance.now() > deadline) throw new Error('no /healthz answer in time');
      if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode})`);
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) healthyAt = performance.now();
      } catch {
        // not listening yet
      }
      if (!healthyAt) await sleep(250);
    }
    console.log(`demo-start healthz_after_start=${((healthyAt - started) / 1000).toFixed(1)}s (server built if stale, migrations, demo data)`);
    phase = 'training';
    const token = await login(url);

    let trainedAt = 0;
    let readyAt = 0;
    let lastProgress = '';
    while (!readyAt) {
      if (performance.now() > deadline) throw new Error(`not ready within ${timeoutSeconds} s: ${lastProgress}`);
      const states = await modelStates(url, token);
      const all = Object.values(states);
      const progress = MODELS.map((n) => `${n}: ${states[n]!.progress}${states[n]!.scored ? ' scored' : ''}`).join(' | ');
      if (progress !== lastProgress) {
        timeline.push(`${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s ${progress}`);
        lastProgress = progress;
      }
      if (!trainedAt && all.every((s) => s.trained && s.active)) {
        trainedAt = performance.now();
        phase = 'scoring';
      }
      if (all.every((s) => s.active && s.scored)) readyAt = performance.now();
      else await sleep(1000);
    }
    phase = 'idle';
    await sleep(idleSeconds * 1000);
    clearInterval(sampler);
    const idle = pid !== null ? memoryOf(pid) : null;

    const s = (ms: number) => (ms / 1000).toFixed(1);
    const mb = (b: number) => (b / MB).toFixed(0);
    if (args.includes('--timeline')) for (const line of timeline) console.log(`  ${line}`);
    for (const line of output.split('\n')) if (/ml model trained|job ml-score|training failed|ERROR/.test(line)) console.log(`  ${line.slice(0, 300)}`);
    console.log(`demo-start trained_after_healthz=${s(trainedAt - healthyAt)}s`);
    console.log(`demo-start ready_after_healthz=${s(readyAt - healthyAt)}s (target <= 90s)`);
    const at = (p: Phase) => `${mb(peaks[p])}MB at ${peakAt[p].toFixed(0)}s`;
    console.log(`demo-start rss_peak_startup=${mb(peaks.startup)}MB (demo data, before /healthz; at ${peakAt.startup.toFixed(0)}s)`);
    console.log(`demo-start rss_peak_training=${mb(Math.max(peaks.training, peaks.scoring))}MB (target <= 1024; training ${at('training')}, scoring ${at('scoring')}, times from start)`);
    console.log(`demo-start rss_idle=${idle ? mb(idle.rss) : '?'}MB (target <= 500; ${idleSeconds}s after ready)`);
    console.log(`demo-start rss_high_water=${mb(Math.max(hwm, idle?.hwm ?? 0))}MB (VmHWM of the whole run)`);
  } catch (err) {
    clearInterval(sampler);
    for (const line of timeline) console.log(`  ${line}`);
    console.log(output.slice(-5000));
    throw err;
  } finally {
    clearInterval(sampler);
    await stop();
    if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
  }
}

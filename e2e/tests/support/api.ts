import { ADMIN_EMAIL, ADMIN_PASSWORD } from './server';

/**
 * Direct API calls for set-up and waiting (never for what the test asserts): the browser steps
 * check what a person sees; these only make the starting point known.
 */
export async function apiToken(baseUrl: string, email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<string> {
  const res = await fetch(`${baseUrl}/api/loyalty/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

export async function apiGet<T>(baseUrl: string, token: string, path: string): Promise<T> {
  const res = await fetch(`${baseUrl}/api/loyalty/v1${path}`, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface RunSummary {
  id: string;
  status: string;
  system_type: string;
}

/**
 * The demo server queues a first full sync of each simulator system on first start. Waits until
 * at least `atLeast` runs exist and none is queued or running, so later counts are predictable.
 */
export async function waitForIdleSyncs(baseUrl: string, token: string, atLeast = 3, timeoutMs = 90_000): Promise<RunSummary[]> {
  const deadline = Date.now() + timeoutMs;
  let last: RunSummary[] = [];
  while (Date.now() < deadline) {
    last = (await apiGet<{ results: RunSummary[] }>(baseUrl, token, '/sync-runs/?limit=50')).results;
    if (last.length >= atLeast && last.every((r) => r.status !== 'queued' && r.status !== 'running')) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`sync runs still busy after ${timeoutMs / 1000} s: ${JSON.stringify(last.map((r) => [r.system_type, r.status]))}`);
}

/** The demo simulators' test hooks (fault injection, catalog edits): POST {origin}/__sim/control. */
export async function simulatorControl(origin: string, command: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetch(`${origin}/__sim/control`, { method: 'POST', body: JSON.stringify(command) });
  if (!res.ok) throw new Error(`simulator control failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/**
 * HTTP plumbing shared by the simulators: routing entry point, fault injection, latency,
 * statistics, the /__sim control endpoints and a close() that also ends hung sockets.
 *
 * Handlers return a Reply instead of writing to the response, which lets the core send it
 * whole, cut it in the middle (drop faults) or never send it (timeouts). Side effects that
 * belong to a delivered answer (mutations while paging, truncation bookkeeping) live in
 * `commit` and run only when the answer was sent in full, so a dropped page can be retried.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector } from './faults.js';
import type { FaultConfig, SimulatorStats, SimulatorStore } from './types.js';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Already serialized body (JSON unless contentType says otherwise). */
  body?: string;
  contentType?: string;
  commit?: () => void;
}

export interface Call {
  method: string;
  url: URL;
  /** Path without a trailing slash (Django-style paths are accepted both ways). */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FaultReplies {
  rateLimited(retryAfterSeconds: number): Reply;
  serverError(status: 500 | 502 | 503, retryAfterSeconds: number): Reply;
}

export interface ControlCommand {
  faults?: Partial<FaultConfig>;
  change?: number;
  remove?: number;
  add?: number;
  truncateNextListing?: number;
  expireTokens?: boolean;
}

export interface HttpCoreOptions {
  system: 'xiva' | 'crm' | 'billing';
  host: string;
  port: number;
  seed: number;
  faults: Partial<FaultConfig>;
  handle(call: Call): Reply | Promise<Reply>;
  faultReplies: FaultReplies;
  store: SimulatorStore<unknown>;
  /** Applies a fault patch (the simulator may need to react, e.g. re-mark malformed items). */
  setFaults(patch: Partial<FaultConfig>): void;
  expireTokens(): void;
  /** Item counts without building every id (GET /__sim/state is polled by benchmarks). */
  counts(): { items: number; valid: number; malformed: number };
  /** Extra fields for GET /__sim/state (credentials, base paths...). */
  describe(): Record<string, unknown>;
}

export interface HttpCore {
  url: string;
  port: number;
  faults: FaultInjector;
  stats(): SimulatorStats;
  countToken(): void;
  close(): Promise<void>;
}

export const JSON_TYPE = 'application/json';
const MAX_BODY = 5 * 1024 * 1024;

export function json(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return headers ? { status, body: JSON.stringify(value), headers } : { status, body: JSON.stringify(value) };
}

/**
 * What a server left in debug mode answers instead of its error (faults.echoRequestRate): a page
 * quoting the request as received, body first (a login form's password, an OAuth client secret),
 * then every header (Authorization with its token or Basic credentials). Not escaped, so the
 * secrets appear exactly as sent.
 */
export function debugPage(call: Call, reply: Reply): Reply {
  const headers = Object.entries(call.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : (v ?? '')}`).join('\n');
  const title = `${reply.status} at ${call.path}`;
  const body =
    `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1>` +
    `<pre>${call.method} ${call.url.pathname}${call.url.search}\n${call.body}\n${headers}</pre>` +
    `<p>You're seeing this error because you have DEBUG = True in your settings file.</p></body></html>`;
  return { ...reply, body, contentType: 'text/html; charset=utf-8' };
}

export function stripTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.replace(/\/+$/, '') : path;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function writeReply(res: ServerResponse, reply: Reply): void {
  const body = reply.body ?? '';
  res.writeHead(reply.status, {
    'content-type': reply.contentType ?? `${JSON_TYPE}; charset=utf-8`,
    'content-length': String(Buffer.byteLength(body)),
    ...reply.headers,
  });
  res.end(body);
}

/** The fault "drop": the connection closes before the headers, or halfway through the body. */
function dropReply(req: IncomingMessage, res: ServerResponse, reply: Reply, afterHeaders: boolean): void {
  const body = reply.body ?? '';
  if (!afterHeaders || body.length < 2) {
    req.socket.destroy();
    return;
  }
  res.writeHead(reply.status, {
    'content-type': reply.contentType ?? `${JSON_TYPE}; charset=utf-8`,
    'content-length': String(Buffer.byteLength(body)),
    ...reply.headers,
  });
  // Wait until the partial body reached the socket, otherwise destroy() would discard it.
  res.write(body.slice(0, Math.floor(body.length / 2)), () => req.socket.destroy());
}

/** The test control API under /__sim/: state, expected products, faults and store changes. */
function controlReply(call: Call, o: HttpCoreOptions, state: (withIds: boolean) => object): Reply {
  if (call.method === 'GET' && call.path === '/__sim/state') {
    const ids = call.url.searchParams.get('ids');
    return json(200, state(ids === '1' || ids === 'true'));
  }
  const expected = /^\/__sim\/expected\/(.+)$/.exec(call.path);
  if (call.method === 'GET' && expected?.[1]) {
    const e = o.store.expected(decodeURIComponent(expected[1]));
    return e ? json(200, e) : json(404, { error: 'no expected product for this id (unknown, deleted or malformed)' });
  }
  if (call.method === 'POST' && call.path === '/__sim/control') {
    let cmd: ControlCommand;
    try {
      cmd = (call.body ? JSON.parse(call.body) : {}) as ControlCommand;
    } catch {
      return json(400, { error: 'body must be JSON' });
    }
    try {
      if (cmd.faults) o.setFaults(cmd.faults);
      const result: Record<string, unknown> = {};
      if (cmd.expireTokens) o.expireTokens();
      if (cmd.change) result.changed = o.store.change(cmd.change);
      if (cmd.remove) result.removed = o.store.remove(cmd.remove);
      if (cmd.add) result.added = o.store.add(cmd.add);
      if (cmd.truncateNextListing !== undefined) o.store.truncateNextListing(cmd.truncateNextListing);
      return json(200, { ok: true, ...result, state: state(false) });
    } catch (err) {
      return json(400, { error: (err as Error).message });
    }
  }
  return json(404, { error: 'unknown control endpoint; use GET /__sim/state, GET /__sim/expected/<id>, POST /__sim/control' });
}

export async function startHttpCore(o: HttpCoreOptions): Promise<HttpCore> {
  const faults = new FaultInjector(o.seed, o.faults);
  const stats: SimulatorStats = { requests: 0, byStatus: {}, tokensIssued: 0 };
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  let origin = '';

  const count = (key: string) => {
    stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
  };

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const send = (res: ServerResponse, reply: Reply) => {
    writeReply(res, reply);
    count(String(reply.status));
  };

  const drop = (req: IncomingMessage, res: ServerResponse, reply: Reply, afterHeaders: boolean) => {
    count('dropped');
    dropReply(req, res, reply, afterHeaders);
  };

  const state = (withIds: boolean) => ({
    system: o.system,
    url: origin,
    counts: o.counts(),
    faults: faults.current,
    stats: snapshot(),
    ...o.describe(),
    ...(withIds ? { validIds: o.store.validIds(), malformedIds: o.store.malformedIds() } : {}),
  });

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin);
    const call: Call = { method: req.method ?? 'GET', url, path: stripTrailingSlash(url.pathname), headers: req.headers, body: '' };
    try {
      call.body = await readBody(req);
    } catch {
      req.socket.destroy();
      return;
    }
    if (call.path.startsWith('/__sim/')) {
      send(res, controlReply(call, o, state));
      return;
    }
    stats.requests += 1;
    const decision = faults.decide();
    const echo = (reply: Reply) => (reply.status >= 400 && faults.echoes() ? debugPage(call, reply) : reply);
    const { latencyMs, retryAfterSeconds } = faults.current;
    if (latencyMs > 0) await delay(latencyMs);
    if (closed) return;
    switch (decision.kind) {
      case 'timeout':
        // Never answered; close() ends the socket through closeAllConnections().
        count('timeout');
        return;
      case 'rateLimit':
        send(res, echo(o.faultReplies.rateLimited(retryAfterSeconds)));
        return;
      case 'error':
        send(res, echo(o.faultReplies.serverError(decision.status, retryAfterSeconds)));
        return;
      case 'drop':
      case 'none': {
        let reply: Reply;
        try {
          reply = await o.handle(call);
        } catch (err) {
          reply = o.faultReplies.serverError(500, retryAfterSeconds);
          process.emitWarning(`simulator ${o.system} handler failed: ${(err as Error).stack ?? String(err)}`);
        }
        if (closed) return;
        if (decision.kind === 'drop') {
          drop(req, res, reply, decision.afterHeaders);
          return;
        }
        send(res, echo(reply));
        reply.commit?.();
        return;
      }
    }
  };

  const snapshot = (): SimulatorStats => ({ requests: stats.requests, byStatus: { ...stats.byStatus }, tokensIssued: stats.tokensIssued });

  const server = createServer((req, res) => {
    void onRequest(req, res);
  });
  // Hung requests must stay hung until close(), whatever Node's defaults say.
  server.requestTimeout = 0;
  server.headersTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  origin = `http://${host}:${port}`;

  return {
    url: origin,
    port,
    faults,
    stats: snapshot,
    countToken: () => {
      stats.tokensIssued += 1;
    },
    close: () => {
      if (closed) return Promise.resolve();
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Reads `Authorization: <scheme> <token>`; scheme match is case-insensitive. */
export function bearer(headers: IncomingHttpHeaders, scheme: string): string | undefined {
  const h = headers.authorization;
  if (!h) return undefined;
  const m = /^(\S+)\s+(.+)$/.exec(h.trim());
  if (!m || m[1]?.toLowerCase() !== scheme.toLowerCase()) return undefined;
  return m[2];
}

/** Integer query parameter: undefined when absent, NaN when present but not a non-negative integer. */
export function intParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  return /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
}

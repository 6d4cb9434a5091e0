/**
 * `npm run sync -- --system NAME [--mode full|incremental] [--force]`
 * Runs one catalog sync in this process, printing progress and the result. NAME is a system's name
 * (or id), or its type (xiva, crm, billing) while only one system has that type. Uses the same
 * configuration as `npm start` (DATA_DIR or DATABASE_URL, LYRA_SECRET_KEY).
 */
import { SYSTEM_TYPES, SyncModeSchema, SyncRequest, type SyncRun } from '@lyra/contracts';
import type { AppConfig } from '../config.js';
import { createSecretBox, loadOrCreateKey } from '../lib/secrets.js';
import { SYSTEM_ACTOR } from '../modules/auth/permissions.js';
import { pickSystem } from '../modules/catalog-sync/system-ref.js';
import { withCliDatabase } from './database.js';

const USAGE = 'usage: npm run sync -- --system NAME [--mode full|incremental] [--force]   (NAME: a system\'s name, or its type when only one system has it)';

function parseArgs(argv: string[]) {
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const key = a.slice(2);
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      out[key] = next;
      i++;
    } else out[key] = true;
  }
  return out;
}

const line = (r: SyncRun) =>
  `${r.status.padEnd(19)} read ${r.progress.items_read}${r.progress.items_total ? `/${r.progress.items_total}` : ''}  ` +
  Object.entries(r.counts).map(([k, v]) => `${k}=${v}`).join(' ');

async function main() {
  let systemRef: string;
  let options: Pick<SyncRequest, 'mode' | 'force'>;
  try {
    const args = parseArgs(process.argv.slice(2));
    const unknown = Object.keys(args).filter((k) => !['system', 'mode', 'force'].includes(k));
    if (unknown.length) throw new Error(`unknown option --${unknown[0]}`);
    if (typeof args.system !== 'string' || !args.system.trim()) throw new Error('--system NAME is required');
    if (args.mode !== undefined && !SyncModeSchema.safeParse(args.mode).success) throw new Error('--mode must be full or incremental');
    if (args.force !== undefined && args.force !== true) throw new Error('--force takes no value');
    systemRef = args.system;
    options = { ...(typeof args.mode === 'string' && { mode: SyncModeSchema.parse(args.mode) }), force: args.force === true };
  } catch (err) {
    console.error(`${err instanceof Error ? err.message.split('\n')[0] : err}\n${USAGE}`);
    process.exit(2);
  }
  const containerOptions = (config: AppConfig) => {
    const key = loadOrCreateKey({ secretKey: config.secretKey, dataDir: config.dataDir });
    return { sessionTtlHours: 1, secrets: createSecretBox(key.key) };
  };
  await withCliDatabase({ container: containerOptions }, async ({ container }) => {
    const systems = (await container.externalSystems.list()).map((s) => ({ id: s.id, name: s.name, systemType: s.system_type }));
    const picked = pickSystem(systemRef, systems, SYSTEM_TYPES);
    if ('error' in picked) {
      console.error(`${picked.error}\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    const req = SyncRequest.parse({ external_system_id: picked.system.id, ...options });
    const run = await container.sync.start({ ...SYSTEM_ACTOR, email: 'cli' }, req, { inline: true });
    console.log(`Sync run ${run.id}: ${run.external_system_name} (${run.requested_mode})`);
    const timer = setInterval(() => {
      void container.sync.get(run.id).then((r) => console.log(line(r)), () => undefined);
    }, 1000);
    await container.syncEngine.execute(run.id);
    clearInterval(timer);
    const done = await container.sync.get(run.id);
    console.log(line(done));
    // As after a queued run: records of one offer in several systems are grouped again.
    if (done.status === 'succeeded' || done.status === 'partially_succeeded') {
      const matched = await container.offerGroups.match();
      console.log(`offer groups: ${matched.groups} group(s) of ${matched.grouped} automatically matched record(s)`);
    }
    if (done.error) console.log(done.error);
    for (const e of done.item_errors.slice(0, 10)) console.log(`  item ${e.external_id ?? '(no id)'} at ${e.position}: ${e.reason}`);
    if (done.item_errors_total > 10) console.log(`  ... ${done.item_errors_total - 10} more item errors`);
    console.log(`finished in ${((done.duration_ms ?? 0) / 1000).toFixed(1)}s`);
    process.exitCode = done.status === 'succeeded' ? 0 : done.status === 'partially_succeeded' ? 3 : 1;
  });
}

void main();

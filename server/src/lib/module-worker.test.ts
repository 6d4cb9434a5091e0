import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('startModuleWorker', () => {
  it('starts a source worker in a process run with V8 flags, which hold in the worker too', async () => {
    const lib = new URL('./module-worker.ts', import.meta.url).href;
    const caller = new URL('../../test/fixtures/caller.ts', import.meta.url).href;
    const script = `import { startModuleWorker } from ${JSON.stringify(lib)};
      const w = startModuleWorker(${JSON.stringify(caller)}, 'gc-probe.worker');
      w.on('message', (m) => { console.log('gc in worker: ' + m); w.terminate(); });
      w.on('error', (e) => { console.error(e); process.exit(2); });`;
    // A server run from the sources as an operator might tune it: tsx's hooks plus V8 flags.
    const { stdout } = await run(process.execPath, ['--expose-gc', '--max-old-space-size=512', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)), timeout: 60_000,
    });
    expect(stdout.trim()).toBe('gc in worker: function');
  });
});

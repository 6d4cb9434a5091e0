import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createSecretBox, keyFromString, loadOrCreateKey } from './secrets.js';

describe('secret box', () => {
  it('round-trips, uses a fresh nonce per value and detects tampering', () => {
    const box = createSecretBox(keyFromString('a passphrase for tests'));
    const a = box.encrypt('xiva-password');
    const b = box.encrypt('xiva-password');
    expect(a).not.toBe(b);
    expect(a).not.toContain('xiva-password');
    expect(box.decrypt(a)).toBe('xiva-password');
    const parts = a.split(':');
    parts[4] = Buffer.from('tampered').toString('base64');
    expect(() => box.decrypt(parts.join(':'))).toThrow();
    const other = createSecretBox(keyFromString('another key'));
    expect(() => other.decrypt(a)).toThrow(/another key/);
  });
  it('creates a private key file on first start and reuses it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lyra-key-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const first = loadOrCreateKey({ secretKey: undefined, dataDir: dir });
    const second = loadOrCreateKey({ secretKey: undefined, dataDir: dir });
    expect(first.key.equals(second.key)).toBe(true);
    expect(statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dir, 'secret.key'), 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(loadOrCreateKey({ secretKey: 'x'.repeat(64).replace(/x/g, 'a'), dataDir: dir }).source).toBe('LYRA_SECRET_KEY');
  });
});

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Secrets at rest: AES-256-GCM with a random 96-bit nonce per value. The key comes from
 * LYRA_SECRET_KEY (64 hex chars, 44 base64 chars, or any passphrase, hashed to 32 bytes) or from a
 * key file created in DATA_DIR on first start. Several instances on one PostgreSQL need the same
 * LYRA_SECRET_KEY.
 */
export interface SecretBox {
  encrypt(plain: string): string;
  decrypt(envelope: string): string;
  readonly keyId: string;
}

const VERSION = 'v1';

export function keyFromString(s: string): Buffer {
  const t = s.trim();
  if (/^[0-9a-f]{64}$/i.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(t)) return Buffer.from(t, 'base64');
  return createHash('sha256').update(t, 'utf8').digest();
}

export function loadOrCreateKey(opts: { secretKey: string | undefined; dataDir: string }): { key: Buffer; source: string } {
  if (opts.secretKey) return { key: keyFromString(opts.secretKey), source: 'LYRA_SECRET_KEY' };
  const file = path.join(opts.dataDir, 'secret.key');
  if (existsSync(file)) return { key: keyFromString(readFileSync(file, 'utf8')), source: file };
  mkdirSync(opts.dataDir, { recursive: true });
  writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { key: keyFromString(readFileSync(file, 'utf8')), source: file };
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('secret key must be 32 bytes');
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return {
    keyId,
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, keyId, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
    },
    decrypt(envelope) {
      const [version, kid, ivB64, tagB64, dataB64] = envelope.split(':');
      if (version !== VERSION || !ivB64 || !tagB64 || dataB64 === undefined) throw new Error('unreadable secret envelope');
      if (kid !== keyId) throw new Error('secret was encrypted with another key (check LYRA_SECRET_KEY)');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivB64, 'base64'));
      decipher.setAuthTag(Buffer.from(tagB64, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(dataB64, 'base64')), decipher.final()]).toString('utf8');
    },
  };
}

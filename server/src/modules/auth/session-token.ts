import { createHash } from 'node:crypto';

/** Only a token's hash is stored, so a leaked sessions table signs nobody in. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Minimal HS256 JWTs, shaped like djangorestframework-simplejwt's (token_type, exp, iat, jti, user_id). */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export interface JwtClaims {
  token_type: 'access' | 'refresh';
  exp: number;
  iat: number;
  jti: string;
  user_id: number;
  /** Token generation: expireTokens() bumps it so every access token issued before fails. */
  gen: number;
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');

export class JwtIssuer {
  private readonly secret = randomBytes(32);

  sign(type: JwtClaims['token_type'], ttlSeconds: number, gen: number, nowMs = Date.now()): string {
    const iat = Math.floor(nowMs / 1000);
    // Whole-second lifetimes keep simplejwt's integer exp; fractions (tests) need sub-second precision.
    const exp = Number.isInteger(ttlSeconds) ? iat + ttlSeconds : Math.round(nowMs + ttlSeconds * 1000) / 1000;
    const claims: JwtClaims = { token_type: type, exp, iat, jti: randomUUID().replace(/-/g, ''), user_id: 1, gen };
    const head = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify(claims))}`;
    return `${head}.${b64(createHmac('sha256', this.secret).update(head).digest())}`;
  }

  /** Claims of a well-signed, unexpired token of the given type; undefined otherwise. */
  verify(token: string, type: JwtClaims['token_type'], nowMs = Date.now()): JwtClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [h, p, s] = parts as [string, string, string];
    const expected = createHmac('sha256', this.secret).update(`${h}.${p}`).digest();
    const given = Buffer.from(s, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let claims: JwtClaims;
    try {
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as JwtClaims;
    } catch {
      return undefined;
    }
    if (claims.token_type !== type || nowMs / 1000 >= claims.exp) return undefined;
    return claims;
  }
}

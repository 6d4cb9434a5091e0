/**
 * Xiva's Django simplejwt login: POST auth/jwt/create/ {email|username, password} -> {access,
 * refresh}; requests carry `Authorization: JWT <access>`. After a 401 the refresh token buys a
 * new access token; when the refresh token is refused too (expired after a day, server restart),
 * we log in again.
 */
import { HttpError, type AuthProvider, type HttpClient } from '../../../lib/http-client.js';
import { SingleFlight, authFailure, safeJson } from './auth.js';
import { isObject, joinUrl, str } from './common.js';

export class XivaJwtAuth implements AuthProvider {
  private access: string | null = null;
  private refreshToken: string | null = null;
  private readonly flight = new SingleFlight();

  constructor(
    private readonly baseUrl: string,
    private readonly login: string,
    private readonly password: string,
  ) {}

  async headers(http: HttpClient): Promise<Record<string, string>> {
    if (!this.access) await this.flight.run(() => this.signIn(http));
    return { authorization: `JWT ${this.access}` };
  }

  refresh(http: HttpClient): Promise<void> {
    return this.flight.run(async () => {
      if (this.refreshToken && (await this.renew(http))) return;
      await this.signIn(http);
    });
  }

  /** True when the refresh token bought a new access token. */
  private async renew(http: HttpClient): Promise<boolean> {
    const url = joinUrl(this.baseUrl, 'auth/jwt/refresh/');
    try {
      const res = await http.request({ method: 'POST', url, json: { refresh: this.refreshToken }, authenticate: false, accept: [400, 401, 403] });
      const body = safeJson(res);
      const access = res.status === 200 && isObject(body) ? str(body.access) : null;
      if (!access) return false;
      this.access = access;
      // simplejwt may rotate refresh tokens (ROTATE_REFRESH_TOKENS): keep the new one.
      if (isObject(body) && str(body.refresh)) this.refreshToken = str(body.refresh);
      http.redactor.add(this.access, this.refreshToken);
      return true;
    } catch (err) {
      if (err instanceof HttpError) return false;
      throw err;
    }
  }

  private async signIn(http: HttpClient): Promise<void> {
    const url = joinUrl(this.baseUrl, 'auth/jwt/create/');
    // Xiva accounts log in by email; deployments with USERNAME_FIELD=username take `username`.
    const field = this.login.includes('@') ? 'email' : 'username';
    const res = await http.request({ method: 'POST', url, json: { [field]: this.login, password: this.password }, authenticate: false, accept: [400, 401, 403] });
    if (res.status !== 200) throw authFailure(res, 'Xiva login', url);
    const body = safeJson(res);
    const access = isObject(body) ? str(body.access) : null;
    if (!access) throw new HttpError('Xiva login answer has no access token', res.status, url, false);
    this.access = access;
    this.refreshToken = isObject(body) ? str(body.refresh) : null;
    // Tokens obtained are secrets too: masked wherever text from outside is kept.
    http.redactor.add(this.access, this.refreshToken);
  }
}

/**
 * AuthProviders for the HttpClient. Token providers share one in-flight login/refresh, so the
 * parallel requests that all got a 401 when a token expired wait for a single new token.
 */
import { HttpError, statusFailure, type AuthProvider, type HttpClient, type HttpResponse } from '../../../lib/http-client.js';
import { isObject, str } from './common.js';

export const basicAuthorization = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Fixed headers (bearer token, Basic, API key): a 401 means the configured secret is wrong. */
export function staticAuth(headers: Record<string, string>, what: string): AuthProvider {
  return {
    headers: async () => headers,
    refresh: async () => {
      throw new HttpError(`the server rejected the configured ${what} (HTTP 401)`, 401, '', false);
    },
  };
}

/** Runs one task at a time; callers arriving while it runs share its outcome. */
export class SingleFlight {
  private pending: Promise<void> | null = null;

  run(task: () => Promise<void>): Promise<void> {
    this.pending ??= task().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }
}

/**
 * A refused login or token request: status, path and the answer's error code (`invalid_client`),
 * never its text. Login endpoints are where servers echo what was submitted, password included.
 */
export function authFailure(res: HttpResponse, action: string, url: string): HttpError {
  const hint = [400, 401, 403].includes(res.status) ? '; check the credentials' : '';
  return new HttpError(`${action} refused: ${statusFailure(res.status, url, res.text)}${hint}`, res.status, url, false);
}

export function safeJson(res: HttpResponse): unknown {
  try {
    return res.json();
  } catch {
    return undefined;
  }
}

/** OAuth2 client credentials (RFC 6749 4.4): client id/secret in the form, as Salesforce expects. */
export class ClientCredentialsAuth implements AuthProvider {
  private token: string | null = null;
  private readonly flight = new SingleFlight();

  constructor(
    private readonly tokenUrl: string,
    private readonly clientId: string,
    private readonly clientSecret: string,
  ) {}

  async headers(http: HttpClient): Promise<Record<string, string>> {
    if (!this.token) await this.flight.run(() => this.fetchToken(http));
    return { authorization: `Bearer ${this.token}` };
  }

  refresh(http: HttpClient): Promise<void> {
    return this.flight.run(() => this.fetchToken(http));
  }

  private async fetchToken(http: HttpClient): Promise<void> {
    const res = await http.request({
      method: 'POST',
      url: this.tokenUrl,
      form: { grant_type: 'client_credentials', client_id: this.clientId, client_secret: this.clientSecret },
      authenticate: false,
      accept: [400, 401, 403],
    });
    if (res.status !== 200) throw authFailure(res, 'OAuth2 token request', this.tokenUrl);
    const body = safeJson(res);
    const token = isObject(body) ? str(body.access_token) : null;
    if (!token) throw new HttpError(`OAuth2 token answer has no access_token`, res.status, this.tokenUrl, false);
    // Tokens obtained are secrets too: masked wherever text from outside is kept.
    http.redactor.add(token);
    this.token = token;
  }
}

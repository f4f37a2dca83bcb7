import { randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { isObject } from './customer-input';

/**
 * Bearer tokens for `POST /v2/token` (realm, username, password; deprecated) and `POST /v3/token`
 * (access_key, secret). Any realm, username or access key is accepted; only the password/secret is
 * checked. Tokens are opaque to clients, shaped like the guide's JWT-looking example.
 */
export class TokenStore {
  private readonly tokens = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(subject: string, expiresInSeconds: number): string {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const issuedAt = Math.floor(this.now() / 1000);
    const token = [
      b64({ alg: 'HS256', typ: 'JWT' }),
      b64({
        sub: subject,
        iat: issuedAt,
        exp: issuedAt + expiresInSeconds,
        jti: randomBytes(8).toString('hex'),
      }),
      randomBytes(24).toString('base64url'),
    ].join('.');
    this.tokens.set(token, this.now() + expiresInSeconds * 1000);
    if (this.tokens.size % 1000 === 0) this.prune();
    return token;
  }

  /** 'valid', or why not: the 401's detail names it. */
  check(authorization: string | undefined): 'valid' | 'missing' | 'unknown' | 'expired' {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) return 'missing';
    const expiresAt = this.tokens.get(m[1]!);
    if (expiresAt === undefined) return 'unknown';
    if (expiresAt <= this.now()) {
      this.tokens.delete(m[1]!);
      return 'expired';
    }
    return 'valid';
  }

  private prune(): void {
    const now = this.now();
    for (const [token, expiresAt] of this.tokens) if (expiresAt <= now) this.tokens.delete(token);
  }
}

export const UNAUTHORIZED_DETAIL: Record<'missing' | 'unknown' | 'expired', string> = {
  missing: 'Missing bearer token in the Authorization header',
  unknown: 'The access token is not valid',
  expired: 'The access token has expired',
};

export interface TokenError {
  error: string;
  error_description: string;
}

const v2Body = z.object({
  realm: z.string().min(1),
  username: z.string().min(1),
  password: z.string().min(1),
});
const v3Body = z.object({ access_key: z.string().min(1), secret: z.string().min(1) });

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Returns the token subject, or the OAuth-style error the real token endpoints answer with (400). */
export function checkCredentials(
  version: 'v2' | 'v3',
  body: unknown,
  password: string,
): { subject: string } | TokenError {
  const parsed = (version === 'v2' ? v2Body : v3Body).safeParse(isObject(body) ? body : {});
  if (!parsed.success) {
    const missing = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    return { error: 'invalid_request', error_description: `Missing or empty parameter(s): ${missing}` };
  }
  const data = parsed.data as Record<string, string>;
  const secret = version === 'v2' ? data.password! : data.secret!;
  if (!sameSecret(secret, password)) {
    return { error: 'invalid_grant', error_description: 'Invalid user credentials' };
  }
  return { subject: version === 'v2' ? `${data.realm}/${data.username}` : data.access_key! };
}

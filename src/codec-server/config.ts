import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { envField, parseEnv, type Env } from '../platform/config/env';
import { Secret } from '../platform/config/secret';

/** `npm run codec-server` (docs/encryption.md): where it listens, which Web UI may call it, and its token. */
export interface CodecServerConfig {
  host: string;
  port: number;
  /** Browser origins (the Temporal Web UI) allowed to call it; exact `scheme://host:port` matches. */
  corsOrigins: string[];
  /**
   * When set, every request needs `Authorization: Bearer <token>` (the Web UI sends its user's access
   * token when "pass access token" is on). When unset, only loopback and trusted clients are served.
   */
  authToken: Secret | undefined;
  /**
   * Addresses served without a token besides loopback: in a container the Web UI's browser traffic
   * arrives through the published port from the network's gateway, never from 127.0.0.1.
   */
  trustedClients: BlockList;
}

export const DEFAULT_CODEC_SERVER_PORT = 8888;
const DEFAULT_CORS_ORIGINS = 'http://127.0.0.1:8233,http://localhost:8233';
/** Short tokens can be guessed; this is the floor, not a recommendation (use 32 random bytes). */
const MIN_TOKEN_LENGTH = 16;

const origins = z
  .string()
  .default(DEFAULT_CORS_ORIGINS)
  .transform((raw, ctx) => {
    const list = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const out: string[] = [];
    list.forEach((entry, i) => {
      let origin: string | undefined;
      try {
        const url = new URL(entry);
        if ((url.protocol === 'http:' || url.protocol === 'https:') && url.pathname === '/')
          origin = url.origin;
      } catch {
        origin = undefined;
      }
      if (origin === undefined || entry.replace(/\/$/, '') !== origin) {
        ctx.addIssue({
          code: 'custom',
          message: `origin #${i + 1} is not an origin (expected scheme://host[:port] without a path, e.g. http://localhost:8233)`,
        });
      } else {
        out.push(origin);
      }
    });
    return out;
  });

/** `10.0.0.1` or `172.31.250.1/32`: IPv4 or IPv6, one address or a CIDR range. */
const trustedClients = z
  .string()
  .default('')
  .transform((raw, ctx) => {
    const list = new BlockList();
    raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .forEach((entry, i) => {
        const [address = '', prefix] = entry.split('/');
        const family = isIP(address);
        const bits = prefix === undefined ? undefined : Number(prefix);
        const maxBits = family === 6 ? 128 : 32;
        if (
          family === 0 ||
          (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= maxBits))
        ) {
          ctx.addIssue({
            code: 'custom',
            message: `entry #${i + 1} is not an IP address or CIDR range (e.g. 172.31.250.1 or 10.0.0.0/8)`,
          });
          return;
        }
        const type = family === 6 ? 'ipv6' : 'ipv4';
        if (bits === undefined) list.addAddress(address, type);
        else list.addSubnet(address, bits, type);
      });
    return list;
  });

const schema = z.object({
  CODEC_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
  CODEC_SERVER_PORT: envField.port(DEFAULT_CODEC_SERVER_PORT),
  CODEC_SERVER_CORS_ORIGINS: origins,
  CODEC_SERVER_AUTH_TOKEN: z
    .string()
    .min(MIN_TOKEN_LENGTH, {
      error: `expected at least ${MIN_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`,
    })
    .optional(),
  CODEC_SERVER_TRUSTED_CLIENTS: trustedClients,
});

export const CODEC_SERVER_ENV_VARIABLES: readonly string[] = Object.keys(schema.shape);

export function loadCodecServerConfig(env?: Env): CodecServerConfig {
  const c = parseEnv(schema, env);
  return {
    host: c.CODEC_SERVER_HOST,
    port: c.CODEC_SERVER_PORT,
    corsOrigins: c.CODEC_SERVER_CORS_ORIGINS,
    authToken: c.CODEC_SERVER_AUTH_TOKEN === undefined ? undefined : new Secret(c.CODEC_SERVER_AUTH_TOKEN),
    trustedClients: c.CODEC_SERVER_TRUSTED_CLIENTS,
  };
}

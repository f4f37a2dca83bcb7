import { z } from 'zod';
import { Secret } from '../../platform/config/secret';
import { envField, parseEnv, type Env } from '../../platform/config/env';

/** `/v3/token` (current) with an access key, or `/v2/token` (the guide's, deprecated) with a user. */
export type MeshCredentials =
  | { kind: 'access-key'; accessKey: string; secret: Secret }
  | { kind: 'password'; realm: string; username: string; password: Secret };

export interface MeshConfig {
  /** e.g. https://api.mesh.complyadvantage.com or the local sandbox http://127.0.0.1:4010 */
  baseUrl: string;
  screeningConfigurationId: string;
  credentials: MeshCredentials;
  /** MESH_EXTENSIVE_SCREENING_CONFIGURATION_ID: the enhanced route's screening configuration. */
  extensiveScreeningConfigurationId?: string;
  /** The account-wide budget (docs/providers/mesh.md, "Errors and rate limits": default 300/min). */
  rateLimitPerMinute: number;
  /** Per HTTP request; Mesh suggests 10 s for the sync create-and-screen (docs/providers/mesh.md). */
  requestTimeoutMs: number;
}

const V3_VARS = ['MESH_ACCESS_KEY', 'MESH_SECRET'] as const;
const V2_VARS = ['MESH_REALM', 'MESH_USERNAME', 'MESH_PASSWORD'] as const;

const schema = z
  .object({
    MESH_BASE_URL: envField.url(),
    MESH_SCREENING_CONFIGURATION_ID: z.string({ error: 'required: the screening configuration identifier' }),
    // The enhanced route's screening (docs/providers/risk.md); required by the worker when the risk step is on.
    MESH_EXTENSIVE_SCREENING_CONFIGURATION_ID: z
      .string()
      .trim()
      .min(1, { error: 'expected a screening configuration identifier (unset it if there is none)' })
      .optional(),
    MESH_ACCESS_KEY: z.string().optional(),
    MESH_SECRET: z.string().optional(),
    MESH_REALM: z.string().optional(),
    MESH_USERNAME: z.string().optional(),
    MESH_PASSWORD: z.string().optional(),
    MESH_RATE_LIMIT_PER_MINUTE: envField.positiveInt(300, 'requests per minute'),
    MESH_REQUEST_TIMEOUT: envField.duration('10s').refine((ms) => ms > 0, {
      error: 'expected a duration greater than zero, e.g. 10s',
    }),
  })
  .check((ctx) => {
    const env = ctx.value;
    const v3Set = V3_VARS.filter((v) => env[v] !== undefined);
    const v2Set = V2_VARS.filter((v) => env[v] !== undefined);
    const problem = (path: string, message: string) =>
      ctx.issues.push({ code: 'custom', path: [path], message, input: undefined });

    if (v3Set.length > 0 && v2Set.length > 0) {
      problem(
        [...v3Set, ...v2Set].join(', '),
        'set either MESH_ACCESS_KEY+MESH_SECRET (/v3/token) or MESH_REALM+MESH_USERNAME+MESH_PASSWORD (/v2/token), not both',
      );
    } else if (v3Set.length === 0 && v2Set.length === 0) {
      problem(
        'MESH_ACCESS_KEY',
        'no Mesh credentials: set MESH_ACCESS_KEY+MESH_SECRET (/v3/token) or MESH_REALM+MESH_USERNAME+MESH_PASSWORD (/v2/token)',
      );
    } else {
      const [set, all] = v3Set.length > 0 ? [v3Set, V3_VARS] : [v2Set, V2_VARS];
      const missing = all.filter((v) => !(set as readonly string[]).includes(v));
      if (missing.length > 0) problem(missing.join(', '), `required together with ${set.join(', ')}`);
    }
  });

/** The variables this section reads (e.g. for checking a deployment's environment against them). */
export const MESH_ENV_VARIABLES: readonly string[] = Object.keys(schema.shape);

export function loadMeshConfig(env?: Env): MeshConfig {
  const c = parseEnv(schema, env);
  const credentials: MeshCredentials =
    c.MESH_ACCESS_KEY !== undefined
      ? { kind: 'access-key', accessKey: c.MESH_ACCESS_KEY, secret: new Secret(c.MESH_SECRET ?? '') }
      : {
          kind: 'password',
          realm: c.MESH_REALM ?? '',
          username: c.MESH_USERNAME ?? '',
          password: new Secret(c.MESH_PASSWORD ?? ''),
        };
  return {
    baseUrl: c.MESH_BASE_URL,
    screeningConfigurationId: c.MESH_SCREENING_CONFIGURATION_ID,
    ...(c.MESH_EXTENSIVE_SCREENING_CONFIGURATION_ID !== undefined && {
      extensiveScreeningConfigurationId: c.MESH_EXTENSIVE_SCREENING_CONFIGURATION_ID,
    }),
    credentials,
    rateLimitPerMinute: c.MESH_RATE_LIMIT_PER_MINUTE,
    requestTimeoutMs: c.MESH_REQUEST_TIMEOUT,
  };
}

export { Secret };

import { z } from 'zod';
import { ConfigError, envField, parseEnv, type Env } from '../../platform/config/env';
import { Secret } from '../../platform/config/secret';

/**
 * The ComplyAdvantage classic section of the environment (docs/providers/ca-classic.md): the only place its
 * variables are read. Every process that may talk to the classic API parses it, so it never fails for a
 * missing key or profile: a worker that screens with CA classic demands them as it builds the client and
 * the activities (`requireCaClassicApiKey`, `requireCaClassicSearchProfile`), one line naming the variable.
 */
export interface CaClassicConfig {
  /** https://api.complyadvantage.com, a regional host, or a local sandbox; every path is relative to it. */
  baseUrl: string;
  /** Sent only as `Authorization: Token <key>`, never as `api_key` in a URL. Absent: CA classic not usable. */
  apiKey: Secret | undefined;
  /** The standard route's search profile slug (from the web app). */
  searchProfile: string | undefined;
  /** The enhanced route's profile slug, when the risk score may choose it. */
  extensiveSearchProfile: string | undefined;
  /** The account's budget in requests per minute, enforced by the `<queue>-ca-classic` task queue. */
  rateLimitPerMinute: number;
  /**
   * A tag name pre-created in the web app: every search then carries `{<name>: <external identifier>}`,
   * which proves a search ours and lets a lost create, or a customer, be found by `GET /searches?tags=`.
   */
  tagName: string | undefined;
}

export const DEFAULT_CA_CLASSIC_BASE_URL = 'https://api.complyadvantage.com';

const profileSlug = (example: string) =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, {
    error: `expected a search profile slug from the ComplyAdvantage web app (letters, digits, - _ .), e.g. ${example}`,
  });

const schema = z.object({
  CA_CLASSIC_BASE_URL: envField.url().default(DEFAULT_CA_CLASSIC_BASE_URL),
  CA_CLASSIC_API_KEY: z.string().optional(),
  CA_CLASSIC_SEARCH_PROFILE: profileSlug('my-standard-profile').optional(),
  CA_CLASSIC_EXTENSIVE_SEARCH_PROFILE: profileSlug('my-enhanced-profile').optional(),
  // Unverified third-party figures: about 600/min, 300/min for sandbox accounts; the lower by default.
  CA_CLASSIC_RATE_LIMIT_PER_MINUTE: envField.positiveInt(300, 'requests per minute'),
  // The webhook route's token(s) and allowed senders: checked and used by the bridge (src/bridge/config.ts),
  // listed here so a tenant may map them (TENANTS_FILE `env`) and a deployment's variables are known.
  CA_CLASSIC_WEBHOOK_TOKEN: z.string().optional(),
  CA_CLASSIC_WEBHOOK_SOURCES: z.string().optional(),
  // Sent as `tags=<name>:<value>` in a comma list: no `:` or `,`, and no spaces (as the web app shows them).
  CA_CLASSIC_TAG_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, {
      error:
        'expected the name of a tag created in the ComplyAdvantage web app (up to 64 letters, digits, - _ .), e.g. kyc_external_id',
    })
    .optional(),
});

/** The variables this section reads (e.g. for checking a deployment's environment against them). */
export const CA_CLASSIC_ENV_VARIABLES: readonly string[] = Object.keys(schema.shape);

export function loadCaClassicConfig(env: Env = process.env): CaClassicConfig {
  const c = parseEnv(schema, env);
  return {
    baseUrl: c.CA_CLASSIC_BASE_URL,
    apiKey: c.CA_CLASSIC_API_KEY !== undefined ? new Secret(c.CA_CLASSIC_API_KEY) : undefined,
    searchProfile: c.CA_CLASSIC_SEARCH_PROFILE,
    extensiveSearchProfile: c.CA_CLASSIC_EXTENSIVE_SEARCH_PROFILE,
    rateLimitPerMinute: c.CA_CLASSIC_RATE_LIMIT_PER_MINUTE,
    tagName: c.CA_CLASSIC_TAG_NAME,
  };
}

/** The API key, for a process that talks to CA classic; a ConfigError naming the variable when unset. */
export function requireCaClassicApiKey(config: Pick<CaClassicConfig, 'apiKey'>): Secret {
  if (config.apiKey === undefined || config.apiKey.reveal().trim() === '') {
    throw new ConfigError([
      'CA_CLASSIC_API_KEY: required when ComplyAdvantage classic screens: the account API key from the web app, sent as the header Authorization: Token <key>',
    ]);
  }
  return config.apiKey;
}

/** The standard route's profile, for a worker that screens with CA classic; a ConfigError when unset. */
export function requireCaClassicSearchProfile(config: Pick<CaClassicConfig, 'searchProfile'>): string {
  if (config.searchProfile === undefined) {
    throw new ConfigError([
      'CA_CLASSIC_SEARCH_PROFILE: required when ComplyAdvantage classic screens: the slug of the standard route search profile, from the web app',
    ]);
  }
  return config.searchProfile;
}

export { Secret };

import type { Env } from '../platform/config/env';
import { loadComplyCubeConfig, type ComplyCubeConfig } from '../providers/complycube/config';
import {
  cosConnectionOf,
  loadCosConfig,
  requireCosWebhookCredentials,
  type CosConnectionConfig,
  type Secret,
} from '../providers/cos/config';
import { loadMeshConfig, type MeshConfig } from '../providers/mesh/config';

export type MeshConnectionConfig = Pick<MeshConfig, 'baseUrl' | 'credentials' | 'requestTimeoutMs'>;

/**
 * `npm run register-webhooks` needs the Mesh connection only (MESH_BASE_URL, credentials, request
 * timeout), not the screening configuration the onboarding requires, so a missing
 * MESH_SCREENING_CONFIGURATION_ID is filled with a placeholder that never leaves this function.
 */
export function loadMeshConnectionConfig(env: Env = process.env): MeshConnectionConfig {
  const { baseUrl, credentials, requestTimeoutMs } = loadMeshConfig({
    MESH_SCREENING_CONFIGURATION_ID: 'not-used-by-register-webhooks',
    ...env,
  });
  return { baseUrl, credentials, requestTimeoutMs };
}

export type ComplyCubeConnectionConfig = Pick<ComplyCubeConfig, 'baseUrl' | 'retryBackoffMs'> & {
  apiKey: NonNullable<ComplyCubeConfig['apiKey']>;
};

/**
 * The ComplyCube connection, read through the provider's config section (the only place its variables are
 * read): COMPLYCUBE_BASE_URL (default https://api.complycube.com/v1) and COMPLYCUBE_API_KEY. Undefined
 * when COMPLYCUBE_API_KEY is unset: ComplyCube is then not registered at all.
 */
export function loadComplyCubeConnectionConfig(
  env: Env = process.env,
): ComplyCubeConnectionConfig | undefined {
  const { baseUrl, apiKey, retryBackoffMs } = loadComplyCubeConfig(env);
  if (apiKey === undefined || apiKey.reveal().trim() === '') return undefined;
  return { baseUrl, apiKey, retryBackoffMs };
}

export interface CosRegistrationConfig {
  connection: CosConnectionConfig;
  webhookUrl: string | undefined;
  username: string;
  password: Secret;
}

/**
 * The COS connection and the Basic credentials its deliveries carry, read through the provider's config
 * section. Undefined when COS_BASE_URL is unset (the core-banking step is off: nothing is registered);
 * set, a ConfigError names every missing variable, the webhook credentials included.
 */
export function loadCosRegistrationConfig(env: Env = process.env): CosRegistrationConfig | undefined {
  const config = loadCosConfig(env);
  const connection = cosConnectionOf(config);
  if (connection === undefined) return undefined;
  const { username, password } = requireCosWebhookCredentials(config);
  return { connection, webhookUrl: config.webhookUrl, username, password };
}

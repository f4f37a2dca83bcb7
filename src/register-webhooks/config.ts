import type { Env } from '../platform/config/env';
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

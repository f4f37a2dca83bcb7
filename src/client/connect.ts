import { Client } from '@temporalio/client';
import { createDataConverter, type Warn } from '../platform/codec/data-converter';
import { loadEncryptionConfig } from '../platform/config/encryption';
import type { Env } from '../platform/config/env';
import { loadTemporalConfig } from '../platform/config/temporal';
import { connectTemporalClient } from '../platform/temporal/connection';
import { OnboardingClient } from './onboarding-client';

export interface ConnectedOnboardingClient {
  onboarding: OnboardingClient;
  /** The underlying Temporal client, for anything beyond onboardings (the starter's other commands). */
  client: Client;
  namespace: string;
  close(): Promise<void>;
}

/**
 * Connects the way the workers do, from the same variables: TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE /
 * TEMPORAL_TASK_QUEUE, TLS, mTLS or an API key (TEMPORAL_API_KEY, TEMPORAL_TLS_*, a TOML profile),
 * and ENCRYPTION_KEY, without which the customer would reach Temporal unencrypted. Throws a
 * ConfigError naming the variable when one is wrong.
 */
export async function connectOnboardingClient(env?: Env, warn?: Warn): Promise<ConnectedOnboardingClient> {
  const temporal = loadTemporalConfig(env);
  const dataConverter = createDataConverter(loadEncryptionConfig(env), warn);
  const connection = await connectTemporalClient(temporal);
  const client = new Client({ connection, namespace: temporal.namespace, dataConverter });
  return {
    onboarding: new OnboardingClient({ client, taskQueue: temporal.taskQueue }),
    client,
    namespace: temporal.namespace,
    close: () => connection.close(),
  };
}

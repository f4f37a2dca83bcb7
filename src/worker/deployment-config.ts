import { z } from 'zod';
import { envField, parseEnv, type Env } from '../platform/config/env';

/**
 * Worker Versioning (Temporal Worker Deployments): which deployment version this worker is, and whether
 * it makes itself the version new runs start on. docs/deploying.md is the operator's guide.
 */
export const PROMOTE_MODES = ['if-unset', 'always', 'never'] as const;
export type PromoteMode = (typeof PROMOTE_MODES)[number];

// A build ID travels in gRPC headers, search attributes and CLI arguments: no spaces, no quotes.
const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/;
// The server joins deployment name and build ID with ':' and '.' in its version strings.
const DEPLOYMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

const schema = z.object({
  // On by default: onboardings and reviews stay on the code they started on. Off only for a server
  // without Worker Deployments (before 1.28); then every workflow change needs patched() (CONTRIBUTING.md).
  WORKER_VERSIONING: envField.boolean(true),
  // Default: the task queue's name, so two stacks on one namespace never share a deployment.
  WORKER_DEPLOYMENT_NAME: z
    .string()
    .regex(DEPLOYMENT_NAME, { error: 'expected letters, digits, - or _ (at most 100), e.g. kyc-onboarding' })
    .optional(),
  // Default: <package version>+<git commit> (src/worker/build-id.ts), or what `npm run build` recorded.
  WORKER_BUILD_ID: z
    .string()
    .regex(BUILD_ID, { error: 'expected letters, digits, . _ + or - (at most 200), e.g. 1.4.0+3f9c2ab41e07' })
    .optional(),
  // if-unset: a first deploy works by itself, and a later one waits for the operator (or ramps).
  WORKER_DEPLOYMENT_PROMOTE: z
    .enum(PROMOTE_MODES, { error: `expected one of ${PROMOTE_MODES.join(', ')}` })
    .default('if-unset'),
});

export const DEPLOYMENT_ENV_VARIABLES: readonly string[] = Object.keys(schema.shape);

export interface DeploymentConfig {
  versioning: boolean;
  /** Unset: the task queue's name. */
  deploymentName: string | undefined;
  /** Unset: resolved at start (src/worker/build-id.ts). */
  buildId: string | undefined;
  promote: PromoteMode;
}

export function loadDeploymentConfig(env?: Env): DeploymentConfig {
  const c = parseEnv(schema, env);
  return {
    versioning: c.WORKER_VERSIONING,
    deploymentName: c.WORKER_DEPLOYMENT_NAME,
    buildId: c.WORKER_BUILD_ID,
    promote: c.WORKER_DEPLOYMENT_PROMOTE,
  };
}

/** A task queue name as a deployment name: the characters the server accepts in one. */
export function deploymentNameFor(taskQueue: string): string {
  const name = taskQueue.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 100);
  return /^[A-Za-z0-9]/.test(name) ? name : `kyc${name}`.slice(0, 100);
}

import { ApplicationFailure, Context } from '@temporalio/activity';
import { MeshError } from '../mesh/mesh-api';

/**
 * The one place a Mesh failure becomes a Temporal failure. The client already classified it
 * (src/mesh/errors.ts): permanent ones (400/403/404, refused credentials, an unusable 2xx) end the
 * activity at once with the error kind as the failure type; transient ones (429, 5xx, timeouts,
 * network) are retried by Temporal, no sooner than the provider's `Ratelimit-Reset` / `Retry-After`.
 */
export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof MeshError)) return err;
  const { status, operation, retryAfterMs } = err.details;
  return ApplicationFailure.create({
    message: err.message,
    type: err.kind,
    nonRetryable: !err.retryable,
    ...(retryAfterMs !== undefined && { nextRetryDelay: retryAfterMs }),
    details: [{ operation, ...(status !== undefined && { status }) }],
  });
}

/**
 * Runs one Mesh call and maps its failure; activities stay one readable line each. The call also ends
 * when the activity is cancelled (a worker shutting down past its grace time), so the attempt fails at
 * once and another worker retries it instead of the server waiting out startToCloseTimeout. A request
 * already sent may still complete at Mesh: create-and-screen recovers that customer as a duplicate.
 */
export async function callMesh<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await Promise.race([call(), Context.current().cancelled]);
  } catch (err) {
    throw toActivityFailure(err);
  }
}

import { createActivities, type Activities } from '../../../src/activities';
import type { SandboxHarness } from '../../providers/mesh/support/sandbox-client';
import { withOnboardingWorkers } from './onboarding-harness';

const quiet = { info: () => undefined, warn: () => undefined };

/** The real activities, talking to the in-process Mesh sandbox of `h`. */
export function sandboxActivities(h: SandboxHarness): Activities {
  return createActivities({ mesh: h.client(), logger: quiet });
}

/** Workflow and Mesh workers as src/worker/main.ts runs them, with the real activities against the sandbox. */
export function withSandboxWorkers<R>(h: SandboxHarness, fn: (taskQueue: string) => Promise<R>): Promise<R> {
  return withOnboardingWorkers(sandboxActivities(h), fn);
}

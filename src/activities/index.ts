import {
  createMeshActivities,
  type MeshActivityDeps,
  type MeshScreeningActivities,
} from '../providers/mesh/activities';

export type { MeshActivityDeps as ActivityDeps } from '../providers/mesh/activities';
export { createOnboardingTermsActivities } from './onboarding-terms';

/**
 * Every screening activity the provider worker registers (the `<queue>-mesh` queue), built from
 * their dependencies so tests pass typed fakes. Which provider answers is decided here, behind the
 * `ScreeningActivities` port (src/contracts/screening-activities.ts) the workflows call. The workflow
 * worker registers the local activities of onboarding-terms.ts instead.
 */
export function createActivities(deps: MeshActivityDeps): MeshScreeningActivities {
  return createMeshActivities(deps);
}

/** The activities' shape, for typed fakes in tests. */
export type Activities = MeshScreeningActivities;

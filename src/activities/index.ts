import { createMeshActivities, type MeshActivityDeps } from '../providers/mesh/activities';

export type { MeshActivityDeps as ActivityDeps } from '../providers/mesh/activities';
export type * from '../providers/mesh/activities';
export { createOnboardingTermsActivities, type OnboardingTermsActivities } from './onboarding-terms';

/**
 * Every Mesh activity the Mesh worker registers, built from their dependencies so tests pass typed
 * fakes. Workflows import this module's *types* only (`import type { createActivities }`). The
 * workflow worker registers the local activities of onboarding-terms.ts instead.
 */
export function createActivities(deps: MeshActivityDeps) {
  return { ...createMeshActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;

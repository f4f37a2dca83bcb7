import { createMeshActivities, type MeshActivityDeps } from './mesh';

export type { MeshActivityDeps as ActivityDeps } from './mesh';
export type * from './mesh';

/**
 * Every activity the workers register, built from their dependencies so tests pass typed fakes.
 * Workflows import this module's *type* only (`import type { createActivities }`).
 */
export function createActivities(deps: MeshActivityDeps) {
  return { ...createMeshActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;

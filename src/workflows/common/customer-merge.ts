import type { MeshCustomer } from '../../contracts/customer';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeObjects(
  current: Record<string, unknown>,
  update: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value === undefined) continue;
    // `null` removes a field: the only way to delete one, since Mesh replaces the whole record.
    if (value === null) delete merged[key];
    else if (isPlainObject(value) && isPlainObject(merged[key]))
      merged[key] = mergeObjects(merged[key], value);
    else merged[key] = value;
  }
  return merged;
}

/**
 * The full customer after an update. Mesh's update-and-rescore replaces the whole record
 * (docs/providers/mesh.md, "Update and re-score"), so an update that only names the new address must
 * be merged into everything else first. Objects merge field by field, arrays and values are replaced,
 * `null` deletes. The external identifier never changes: it is the key of the onboarding.
 */
export function mergeCustomer(current: MeshCustomer, update: Partial<MeshCustomer>): MeshCustomer {
  const merged = mergeObjects(current, update) as MeshCustomer;
  return { ...merged, external_identifier: current.external_identifier };
}

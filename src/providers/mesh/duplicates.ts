import { isDeepStrictEqual } from 'node:util';
import type { DuplicateRecovery } from '../../contracts/screening-activities';
import { conflictBodySchema, type CreateAndScreenResponse } from './response-schemas';

/**
 * Recognising a duplicate external identifier and judging what the recovered customer proves. Mesh
 * answers a duplicate in three documented shapes (docs/providers/mesh.md, "Duplicate external identifiers");
 * each is recognised by its structure, never by the wording of a message, which differs between
 * accounts and releases.
 */

export type DuplicateShape = DuplicateRecovery['shape'];

export interface DuplicateHint {
  shape: DuplicateShape;
  /** The customer the answer names, when it names one. */
  customerIdentifier?: string;
  /** The create-and-screen workflow that created it, when the answer gives one (possibly only as a hint). */
  workflowIdentifier?: string;
}

/** Identifiers we put in a URL path: a hint taken from prose must look like one. */
const IDENTIFIER = /^[\w.:-]{1,128}$/;
/** "A workflow with id … already exists for this customer": only ever a hint, never the recognition. */
const WORKFLOW_ID_IN_DETAIL = /workflow with id ['"]?([\w.:-]{1,128})/i;

/**
 * Any 409 of create-and-screen is a duplicate: the only conflict that call documents. The guide's shape
 * names the existing customer; problem details may name the original workflow.
 */
export function duplicateConflict(body: unknown): DuplicateHint {
  const parsed = conflictBodySchema.safeParse(body);
  const fields = parsed.success ? parsed.data : {};
  const guideShape =
    fields.existing_customer_identifier !== undefined || fields.error === 'DUPLICATE_EXTERNAL_IDENTIFIER';
  const structured = fields.workflow_instance_identifier ?? fields.existing_workflow_instance_identifier;
  const hinted = fields.detail !== undefined ? WORKFLOW_ID_IN_DETAIL.exec(fields.detail)?.[1] : undefined;
  const workflowIdentifier = [structured, hinted].find((id) => id !== undefined && IDENTIFIER.test(id));
  return {
    shape: guideShape ? 'conflict-guide' : 'conflict-problem',
    ...(fields.existing_customer_identifier !== undefined && {
      customerIdentifier: fields.existing_customer_identifier,
    }),
    ...(workflowIdentifier !== undefined && { workflowIdentifier }),
  };
}

/**
 * Whether a create-and-screen workflow's screening has finished, so its result can be trusted: the
 * screening step completed with a result, or a PROHIBITED risk level made Mesh skip it.
 */
export function screeningFinished(body: CreateAndScreenResponse): boolean {
  const steps = body.step_details;
  const screening = steps['customer-screening'];
  if (screening?.status === 'COMPLETED' && screening.step_output?.screening_result !== undefined) return true;
  return (
    steps['initial-risk-scoring']?.step_output?.overall_level === 'PROHIBITED' &&
    screening?.status === 'SKIPPED'
  );
}

type Json = unknown;

function isPlainObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True when a leaf the request names holds another value in the stored customer, or is missing there.
 * Walks the request only, so fields Mesh adds to its record are never read as differences; arrays
 * compare whole (an address list is one value); a null in the request matches an absent field.
 * `ignoreTopLevel` lists keys Mesh owns (identifiers, risk, monitoring), stripped from the record.
 */
export function customerDiffers(
  requested: Record<string, Json>,
  stored: Record<string, Json>,
  ignoreTopLevel: ReadonlySet<string> = new Set(),
): boolean {
  return Object.entries(requested).some(
    ([key, value]) => !ignoreTopLevel.has(key) && valueDiffers(value, stored[key]),
  );
}

function valueDiffers(requested: Json, stored: Json): boolean {
  if (requested === undefined) return false;
  if (requested === null) return stored !== null && stored !== undefined;
  if (Array.isArray(requested)) return !isDeepStrictEqual(requested, stored);
  if (isPlainObject(requested)) {
    // An object names no value of its own: only its leaves count, so `{}` never differs.
    const storedObject = isPlainObject(stored) ? stored : {};
    return Object.entries(requested).some(([key, value]) => valueDiffers(value, storedObject[key]));
  }
  return requested !== stored;
}

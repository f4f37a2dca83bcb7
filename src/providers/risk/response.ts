import { z } from 'zod';
import type { RiskCheckResult, RiskScore } from '../../contracts/risk';

/**
 * Reads the check's 2xx answer leniently (docs/providers/risk.md, "What we read from the answer"): the
 * reference gives no response schema and says `riskLevel` and `caseStatus` are open sets and unknown fields
 * are to be ignored. So each field is read on its own and a field of an unexpected type is dropped rather
 * than failing the answer; only a missing or empty `riskLevel` makes it unreadable (no score).
 */

const optionalText = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .optional()
  .catch(undefined);

/** `riskPoints`: its type is not documented; a number, or a string holding one. */
const points = z
  .union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^-?\d+(\.\d+)?$/),
  ])
  .transform(Number)
  .pipe(z.number().finite())
  .optional()
  .catch(undefined);

const answerSchema = z.looseObject({
  riskLevel: z.string().optional().catch(undefined),
  riskPoints: points,
  riskFactors: z.unknown().optional(),
  customerId: optionalText,
  caseId: optionalText,
  caseStatus: z.string().optional().catch(undefined),
});

/**
 * Field names taken as timestamps: `createdAt`, `checkDate`, `lastUpdateTime`, `timestamp`… A name about a
 * birth date is personal data, never a timestamp of the check.
 */
const TIMESTAMP_NAME = /(?:At|Date|Time|[tT]imestamp)$/;
const PERSONAL = /birth/i;

function timestampsOf(body: Record<string, unknown>): Record<string, string> | undefined {
  const found: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === 'string' && TIMESTAMP_NAME.test(name) && !PERSONAL.test(name)) found[name] = value;
  }
  return Object.keys(found).length > 0 ? found : undefined;
}

/** A 2xx answer's body as a score, or `unscored` naming why (never a value from the body). */
export function parseRiskAnswer(status: number, body: unknown): RiskCheckResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { kind: 'unscored', reason: `${status} answer without a readable JSON object` };
  }
  const parsed = answerSchema.parse(body);
  // Kept as received (riskRoute compares trimmed and case-insensitively); blank is no level at all.
  if (parsed.riskLevel === undefined || parsed.riskLevel.trim() === '') {
    return { kind: 'unscored', reason: `${status} answer without a readable riskLevel` };
  }
  const nonEmpty = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v : undefined);
  const customerId = nonEmpty(parsed.customerId);
  const caseId = nonEmpty(parsed.caseId);
  const caseStatus = nonEmpty(parsed.caseStatus);
  const timestamps = timestampsOf(body as Record<string, unknown>);
  const score: RiskScore = {
    kind: 'scored',
    riskLevel: parsed.riskLevel,
    ...(parsed.riskPoints !== undefined && { riskPoints: parsed.riskPoints }),
    ...(parsed.riskFactors !== undefined &&
      parsed.riskFactors !== null && { riskFactors: parsed.riskFactors }),
    ...(customerId !== undefined && { customerId }),
    ...(caseId !== undefined && { caseId }),
    ...(caseStatus !== undefined && { caseStatus }),
    ...(timestamps !== undefined && { timestamps }),
  };
  return score;
}

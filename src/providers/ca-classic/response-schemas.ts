import { z } from 'zod';
import type { CaClassicHit } from './api';

/**
 * ComplyAdvantage classic response bodies, reduced to the fields this project reads
 * (docs/providers/ca-classic.md). Objects are loose (unknown fields pass); statuses, risk levels and types
 * are plain strings (open sets); fields that only inform fall back to "absent" instead of failing the
 * call. What the reference leaves loose is accepted both ways: ids as numbers or numeric strings, `tags`
 * as an object or `[]`, `data` as an object or an array. Only a search without a readable `id`, or an
 * envelope without `content`, is refused: without them nothing can be acted on.
 */

const optionalString = z.string().optional().catch(undefined);

/** `id`: an integer, or its decimal string; kept as a string. */
export const idSchema = z
  .union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,18}$/)])
  .transform((id) => String(id));

/** A count as a number or a decimal string; `null` or anything else is absent (never 0). */
const optionalCount = z
  .union([
    z.number().int().nonnegative(),
    z
      .string()
      .regex(/^\d{1,9}$/)
      .transform(Number),
  ])
  .optional()
  .catch(undefined);

/** A non-empty string, or a number written as one (a numeric `client_ref`). */
const optionalText = z
  .union([z.string(), z.number().transform(String)])
  .transform((value) => (value.trim() === '' ? undefined : value))
  .optional()
  .catch(undefined);

const stringList = z
  .array(z.unknown())
  .transform((items) => items.filter((item): item is string => typeof item === 'string'))
  .optional()
  .catch(undefined);

/** `tags`: an object of string values (others dropped); `[]` is the API's "no tags". */
const tagsSchema = z
  .union([
    z.array(z.unknown()).transform((): Record<string, string> => ({})),
    z
      .record(z.string(), z.unknown())
      .transform((entries) =>
        Object.fromEntries(
          Object.entries(entries).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
        ),
      ),
  ])
  .optional()
  .catch(undefined);

const searchTermSchema = z
  .union([
    z.string(),
    z.looseObject({ first_name: optionalString, middle_names: optionalString, last_name: optionalString }),
  ])
  .optional()
  .catch(undefined);

const hitSchema = z.looseObject({
  doc: z.looseObject({ id: optionalText, types: stringList }).optional().catch(undefined),
  is_whitelisted: z.boolean().optional().catch(undefined),
});

/** Each hit as the mapping reads it; one that cannot be read counts as an open hit with no types. */
const hitsSchema = z
  .array(z.unknown())
  .transform((items) =>
    items.map((item): CaClassicHit => {
      const parsed = hitSchema.safeParse(item);
      if (!parsed.success) return { types: [], whitelisted: false };
      const { doc, is_whitelisted } = parsed.data;
      return {
        ...(doc?.id !== undefined && { entityId: doc.id }),
        types: doc?.types ?? [],
        whitelisted: is_whitelisted === true,
      };
    }),
  )
  .optional()
  .catch(undefined);

export const searchSchema = z.looseObject({
  id: idSchema,
  ref: optionalString,
  match_status: optionalString,
  risk_level: optionalString,
  search_term: searchTermSchema,
  client_ref: optionalText,
  total_hits: optionalCount,
  tags: tagsSchema,
  created_at: optionalString,
  // Echoed by the create answer (`filters.entity_type: "person"`): tells a person from a company when the
  // search term reads back as a string.
  filters: z.looseObject({ entity_type: optionalString }).optional().catch(undefined),
  search_profile: z
    .union([z.string(), z.looseObject({ slug: optionalString }).transform((profile) => profile.slug)])
    .optional()
    .catch(undefined),
  hits: hitsSchema,
});
export type SearchBody = z.output<typeof searchSchema>;

/** `{status: "success", content}`; `status` may be missing, `content` may not. */
export const envelopeSchema = z.looseObject({
  status: optionalString,
  content: z.unknown().refine((content) => content !== undefined && content !== null, {
    error: 'expected the answer under content',
  }),
});

/** `content.data`: an object for one search, an array for a list (either accepted either way). */
export const dataSchema = z.looseObject({
  data: z.union([z.array(z.unknown()), z.looseObject({})]),
});

export const monitorSchema = z.looseObject({
  search_id: idSchema.optional().catch(undefined),
  is_monitored: z.boolean().optional().catch(undefined),
});
export type MonitorBody = z.output<typeof monitorSchema>;

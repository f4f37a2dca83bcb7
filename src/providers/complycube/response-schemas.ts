import { z } from 'zod';

/**
 * ComplyCube response bodies, reduced to the fields this project reads (docs/providers/complycube.md).
 * Objects are loose (unknown fields pass), statuses, outcomes and types are plain strings (the sets are
 * open), and fields that only inform, never decide, fall back to "absent" instead of failing the call.
 * Both generations of ComplyCube's docs (current and v1.7.2) are accepted: `email` may be missing on a
 * client, and a check's `result` exists only once it is complete.
 */

const optionalString = z.string().optional().catch(undefined);

/** `metadata`: string values only (what we write); anything else is dropped, never echoed. */
const metadataSchema = z
  .record(z.string(), z.unknown())
  .transform((entries) =>
    Object.fromEntries(
      Object.entries(entries).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    ),
  )
  .optional()
  .catch(undefined);

export const clientSchema = z.looseObject({
  id: z.string().min(1),
  type: optionalString,
  externalId: optionalString,
  email: optionalString,
  personDetails: z
    .looseObject({
      firstName: optionalString,
      middleName: optionalString,
      lastName: optionalString,
      dob: optionalString,
      nationality: optionalString,
    })
    .optional()
    .catch(undefined),
  companyDetails: z
    .looseObject({
      name: optionalString,
      registrationNumber: optionalString,
      incorporationCountry: optionalString,
    })
    .optional()
    .catch(undefined),
  metadata: metadataSchema,
  createdAt: optionalString,
  updatedAt: optionalString,
});
export type ClientBody = z.output<typeof clientSchema>;

export const checkSchema = z.looseObject({
  id: z.string().min(1),
  clientId: z.string().min(1),
  type: z.string(),
  status: z.string(),
  enableMonitoring: z.boolean().optional().catch(undefined),
  // Only once complete; an outcome that is not a string reads as absent, which is never approved.
  result: z.looseObject({ outcome: optionalString }).nullish().catch(undefined),
  createdAt: optionalString,
});
export type CheckBody = z.output<typeof checkSchema>;

export const webhookSchema = z.looseObject({
  id: z.string().min(1),
  url: z.string(),
  enabled: z.boolean().optional().catch(undefined),
  events: z
    .array(z.unknown())
    .transform((items) => items.filter((item): item is string => typeof item === 'string'))
    .optional()
    .catch(undefined),
  description: optionalString,
});
export type WebhookBody = z.output<typeof webhookSchema>;

/** `POST /webhooks` answers the secret once, and never again: without it the registration is useless. */
export const createdWebhookSchema = webhookSchema.extend({ secret: z.string().min(1) });

/**
 * A list page. Without `items` the page is refused rather than read as "none": an empty answer must never
 * be mistaken for the absence of a client or a check.
 */
export const pageSchema = z.looseObject({
  page: z.coerce.number().int().positive().optional().catch(undefined),
  pageSize: z.coerce.number().int().positive().optional().catch(undefined),
  totalItems: z.coerce.number().int().nonnegative().optional().catch(undefined),
  pages: z.coerce.number().int().nonnegative().optional().catch(undefined),
  items: z.array(z.unknown()),
});

import { z } from 'zod';

/**
 * What the adapter reads of COS's answers (docs/providers/cos.md), leniently: loose objects keep fields we
 * do not use (COS adds them per program: `dueDiligence`, `enableBackupWithholding`, …), value sets are
 * open (an `ofac` value we have never seen is kept as received, and the workflow treats it as unresolved),
 * and a field we use but COS sends in an unexpected type is dropped rather than failing the call, except
 * the customer `id`, without which nothing can go on. Timestamps (a local offset, seven fractional digits)
 * are not read at all.
 */

/** An optional string: absent, null or another type reads as absent. */
const optionalString = z.string().optional().catch(undefined);

/** `POST /core/v1/cm/customers` and `GET /core/v1/cm/customers/{id}`. */
export const customerSchema = z.looseObject({
  id: z.string().min(1),
  cifNumber: optionalString,
  ofac: optionalString,
  pepScan: optionalString,
  status: optionalString,
});

/**
 * `POST …/addresses` and `…/phones`: a JSON object, the new record's `id` read when there is one. An empty or
 * non-JSON body (a proxy's page, a bare 204) confirms nothing: it is an invalid answer, retried under the
 * same key until COS answers (or replays) the record.
 */
export const createdRecordSchema = z.looseObject({ id: optionalString });

/** One webhook registration; the API reference and the tutorial name some fields differently. */
export const registrationSchema = z.looseObject({
  id: z.string().min(1),
  eventName: optionalString,
  callbackUrl: optionalString,
  status: optionalString,
  state: optionalString,
  type: optionalString,
  registrationType: optionalString,
  authUsername: optionalString,
});

/** `GET /webhooks/v1/registrations`: a list, bare or under one of the usual keys. */
export const registrationListSchema = z.union([
  z.array(z.unknown()),
  z
    .looseObject({
      items: z.array(z.unknown()).optional(),
      data: z.array(z.unknown()).optional(),
      registrations: z.array(z.unknown()).optional(),
      results: z.array(z.unknown()).optional(),
    })
    .transform((body, ctx) => {
      const list = body.items ?? body.data ?? body.registrations ?? body.results;
      // An unknown envelope is not "no registrations": reading it so would register every event again.
      if (list === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a list of registrations' });
        return z.NEVER;
      }
      return list;
    }),
]);

export type CustomerBody = z.output<typeof customerSchema>;
export type RegistrationBody = z.output<typeof registrationSchema>;

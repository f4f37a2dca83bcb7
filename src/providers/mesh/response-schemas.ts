import { z } from 'zod';

/**
 * Mesh response bodies, reduced to the fields this project reads (docs/providers/mesh.md). Objects are
 * loose (unknown fields pass), enums are plain strings (the provider's sets are open), and fields we
 * only report, never decide on, fall back to "absent" instead of failing the call (`.catch`).
 * Where the guide and the API reference name a field differently, both spellings are accepted.
 */

const optionalString = z.string().optional().catch(undefined);
const optionalNumber = z.coerce.number().optional().catch(undefined);
const stringList = z
  .array(z.unknown())
  .transform((items) => items.filter((item): item is string => typeof item === 'string'))
  .optional()
  .catch(undefined);

function step<T extends z.ZodType>(output: T) {
  return z.looseObject({
    identifier: optionalString,
    status: z.string().optional(),
    step_output: output.nullish(),
    error_message: z.string().nullish().catch(undefined),
  });
}

/**
 * `POST /v2/workflows/sync/create-and-screen` and `GET /v2/workflows/{id}` (docs/providers/mesh.md, "Create
 * and screen").
 */
export const createAndScreenResponseSchema = z.looseObject({
  workflow_instance_identifier: optionalString,
  status: z.string(),
  step_details: z.looseObject({
    'customer-creation': step(
      z.looseObject({
        customer_identifier: z.string().min(1).optional(),
        external_identifier: optionalString,
      }),
    ),
    'initial-risk-scoring': step(
      z.looseObject({ overall_level: z.string().optional(), overall_value: optionalNumber }),
    ).optional(),
    'customer-screening': step(
      z.looseObject({ screening_result: z.string().optional(), aml_types: stringList }),
    ).optional(),
    alerting: step(
      z.looseObject({
        alerts: z
          .array(z.looseObject({ identifier: z.string() }))
          .optional()
          .catch(undefined),
      }),
    ).optional(),
    'case-creation': step(z.looseObject({ case_identifier: z.string().optional() })).optional(),
  }),
});
export type CreateAndScreenResponse = z.output<typeof createAndScreenResponseSchema>;

/** `update-and-rescore` (docs/providers/mesh.md, "Update and re-score"): `customer-update` then `risk-scoring`. */
export const rescoreResponseSchema = z.looseObject({
  status: optionalString,
  step_details: z
    .looseObject({
      'customer-update': step(z.looseObject({ customer_identifier: optionalString })).optional(),
      'risk-scoring': step(
        z.looseObject({ overall_level: z.string().optional(), overall_value: optionalNumber }),
      ).optional(),
    })
    .optional(),
});

/**
 * Any 409 body of create-and-screen: the guide's shape or problem details (docs/providers/mesh.md,
 * "Duplicate external identifiers"). Only structured
 * fields are read; `detail` only for an optional workflow identifier hint, never for recognition.
 */
export const conflictBodySchema = z.looseObject({
  error: optionalString,
  existing_customer_identifier: z.string().min(1).optional().catch(undefined),
  workflow_instance_identifier: z.string().min(1).optional().catch(undefined),
  existing_workflow_instance_identifier: z.string().min(1).optional().catch(undefined),
  detail: optionalString,
});

const riskLevelField = z
  .union([z.string(), z.looseObject({ overall_level: z.string().optional(), level: z.string().optional() })])
  .optional()
  .catch(undefined);

/** `GET /v2/customers/{id}`: the identifiers, risk level and monitoring flag, plus the record itself. */
export const customerRecordSchema = z.looseObject({
  identifier: optionalString,
  customer_identifier: optionalString,
  external_identifier: z.string(),
  risk_level: riskLevelField,
  risk: riskLevelField,
  monitoring: z
    .looseObject({
      entity_screening: z
        .looseObject({ enabled: z.boolean().optional().catch(undefined) })
        .optional()
        .catch(undefined),
      enabled: z.boolean().optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
  person: z.looseObject({}).optional(),
  company: z.looseObject({}).optional(),
});
export type CustomerRecordBody = z.output<typeof customerRecordSchema>;

/**
 * `GET /v2/customers/{id}/monitor` and the PATCH answer, with or without the `monitoring` wrapper
 * (docs/providers/mesh.md, "Customers and monitoring").
 */
export const monitoringResponseSchema = z.looseObject({
  monitoring: z
    .looseObject({ entity_screening: z.looseObject({ enabled: z.boolean() }).optional() })
    .optional()
    .catch(undefined),
  entity_screening: z.looseObject({ enabled: z.boolean() }).optional().catch(undefined),
});

/** A case's stage: the reference names it `stage`, the guide and the webhooks `case_stage`. */
const caseStageSchema = z
  .looseObject({
    identifier: optionalString,
    display_name: optionalString,
    stage_type: optionalString,
    decision_type: z.string().nullish().catch(undefined),
  })
  .nullish()
  .catch(undefined);

/** `GET /v2/cases/{id}` and the entries of `GET /v2/customers/{id}/cases`. */
export const caseSchema = z.looseObject({
  identifier: optionalString,
  case_identifier: optionalString,
  type: optionalString,
  case_type: optionalString,
  case_state: optionalString,
  stage: caseStageSchema,
  case_stage: caseStageSchema,
  customer: z
    .looseObject({
      identifier: optionalString,
      customer_identifier: optionalString,
      external_identifier: optionalString,
      risk_level: optionalString,
    })
    .nullish()
    .catch(undefined),
});
export type CaseBody = z.output<typeof caseSchema>;

/** One page of a list: `{first, self, next, prev, total_count, <items>}` or a bare array. */
export const pageSchema = z.union([
  z.array(z.unknown()),
  z.looseObject({
    next: z.unknown().optional(),
    total_count: optionalNumber,
  }),
]);

export const webhookSchema = z.looseObject({
  identifier: z.string(),
  url: z.string(),
  type: z.string(),
  name: optionalString,
  is_active: z.boolean().optional().catch(undefined),
});
export type WebhookBody = z.output<typeof webhookSchema>;

/** Where the items of a list page sit: the reference's pages name the array after the resource. */
export const LIST_ITEM_KEYS = [
  'data',
  'items',
  'results',
  'cases',
  'customers',
  'webhooks',
  'configurations',
  'content',
];

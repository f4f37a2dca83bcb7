import { z } from 'zod';

/**
 * The body of `POST /v2/customer-checks/check` as this project fixes it (docs/providers/risk.md, "The body
 * we send"): the vendor's reference gives no request schema. One schema for both sides: the adapter
 * (src/providers/risk/request-body.ts) builds exactly this, the sandbox (src/sandbox/risk/) accepts exactly
 * this. Never imported by workflow code (zod costs memory per cached run).
 */

const text = z.string().trim().min(1).max(500);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a date as YYYY-MM-DD' });

export const riskAddressSchema = z
  .object({
    line1: text.optional(),
    line2: text.optional(),
    city: text.optional(),
    /** State, province or region. */
    subdivision: text.optional(),
    postalCode: text.optional(),
    country: text.optional(),
  })
  .strict();

export const riskPersonSchema = z
  .object({
    firstName: text.optional(),
    middleName: text.optional(),
    lastName: text.optional(),
    fullName: text.optional(),
    dateOfBirth: isoDate.optional(),
  })
  .strict();

export const riskCompanySchema = z.object({ legalName: text }).strict();

export const riskCheckRequestSchema = z
  .object({
    /** Our external identifier: the customer's stable key on our side. */
    externalId: text,
    /** The vendor's id from an earlier answer, so a re-check refers to the same entity. */
    customerId: text.optional(),
    customerType: z.enum(['person', 'company']),
    person: riskPersonSchema.optional(),
    company: riskCompanySchema.optional(),
    nationalities: z.array(text).min(1).optional(),
    /** Every country the customer is tied to: the nationalities and the address's country. */
    countries: z.array(text).min(1).optional(),
    address: riskAddressSchema.optional(),
    email: text.optional(),
    phoneNumber: text.optional(),
    /** The applicant's own answer to "are you a politically exposed person?", when given. */
    declaredPep: z.boolean().optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.customerType === 'person') {
      const p = body.person;
      if (p === undefined || (p.firstName ?? p.lastName ?? p.fullName) === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['person'],
          message: 'a person needs firstName, lastName or fullName',
        });
      }
      if (body.company !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['company'], message: 'not allowed for a person' });
      }
    } else {
      if (body.company === undefined) {
        ctx.addIssue({ code: 'custom', path: ['company'], message: 'a company needs company.legalName' });
      }
      if (body.person !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['person'], message: 'not allowed for a company' });
      }
    }
  });

export type RiskCheckRequest = z.output<typeof riskCheckRequestSchema>;

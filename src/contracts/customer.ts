/**
 * The customer object exactly as Mesh create-and-screen takes it, in the guide's or the reference's
 * layout (docs/providers/mesh.md, "Create and screen"). The onboarding service's object is passed
 * through unchanged; only the fields below are read by this project. Validation lives in
 * `src/contracts/customer-schema.ts`.
 */
export interface MeshPerson {
  first_name?: string;
  middle_name?: string;
  last_name?: string;
  full_name?: string;
  [field: string]: unknown;
}

export interface MeshCompany {
  legal_name: string;
  [field: string]: unknown;
}

export interface MeshCustomer {
  external_identifier: string;
  person?: MeshPerson;
  company?: MeshCompany;
  [field: string]: unknown;
}

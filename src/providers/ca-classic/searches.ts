import { applicantFacts } from '../../contracts/applicant-facts';
import type { MeshCustomer } from '../../contracts/customer';
import type { CaseVerdict, ScreeningOutcomeWord } from '../../contracts/screening-provider';
import type { CaClassicPersonTerm, CaClassicSearch, CaClassicSearchBody } from './api';

/**
 * Our customer as a classic search, and a search in the port's words (docs/providers/ca-classic.md,
 * "Result"). Pure. ComplyAdvantage's match statuses and risk levels are open sets: only the documented
 * values map to a decision, everything else is `unrecognised` (review, never approval). A hit counts as
 * open unless the answer says `is_whitelisted: true`; hits the answer does not carry (an overview, a list
 * item, or beyond the 100 returned) count as open.
 */

/** The most hits one answer carries (`limit`'s default and maximum). */
export const HITS_PER_ANSWER = 100;

// --- our customer as a search ---------------------------------------------------------------------------

type Holder = Record<string, unknown>;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** A year from `YYYY…` or `{year}` (day and month not needed), within 1800 and next year. */
function yearOf(value: unknown): number | undefined {
  let year: number | undefined;
  if (typeof value === 'string' && /^\d{4}(-\d{2}-\d{2})?$/.test(value.trim())) {
    year = Number(value.trim().slice(0, 4));
  } else if (typeof value === 'object' && value !== null) {
    const y = (value as Holder).year;
    if (typeof y === 'number' && Number.isInteger(y)) year = y;
    else if (typeof y === 'string' && /^\d{4}$/.test(y.trim())) year = Number(y.trim());
  }
  if (year === undefined || year < 1800 || year > new Date().getUTCFullYear() + 1) return undefined;
  return year;
}

/** ISO 3166-1 alpha-2, upper-cased; anything else is left out. */
function countryCode(value: unknown): string | undefined {
  const code = text(value);
  return code !== undefined && /^[A-Za-z]{2}$/.test(code) ? code.toUpperCase() : undefined;
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** The field under person/company first, then on the customer itself (either layout). */
function fieldOf(customer: MeshCustomer, name: string): unknown {
  const holder: Holder | undefined = customer.person ?? customer.company;
  return holder?.[name] ?? customer[name];
}

/** A person's name parts: given, or split from `full_name` (the last word is the last name). */
export function personTermOf(customer: MeshCustomer): CaClassicPersonTerm | undefined {
  const facts = applicantFacts(customer);
  if (facts.lastName !== undefined) {
    return {
      ...(facts.firstName !== undefined && { first_name: facts.firstName }),
      ...(facts.middleName !== undefined && { middle_names: facts.middleName }),
      last_name: facts.lastName,
    };
  }
  const words = facts.fullName?.split(/\s+/).filter((word) => word !== '') ?? [];
  if (words.length === 0) return undefined;
  const last = words[words.length - 1]!;
  if (words.length === 1) return { last_name: last };
  const middle = words.slice(1, -1).join(' ');
  return { first_name: words[0]!, ...(middle !== '' && { middle_names: middle }), last_name: last };
}

/** What the search is for: the person's name parts, or the company's legal name. */
export function searchTermOf(customer: MeshCustomer): string | CaClassicPersonTerm | undefined {
  const facts = applicantFacts(customer);
  return facts.kind === 'company' ? facts.legalName : personTermOf(customer);
}

/** The term as one string, as `GET /searches?search_term=` takes it. */
export function searchTermText(term: string | Partial<CaClassicPersonTerm>): string {
  if (typeof term === 'string') return term;
  return [term.first_name, term.middle_names, term.last_name].filter((part) => part !== undefined).join(' ');
}

/** The year of birth, from `date_of_birth` (or `birth_date`), under `person` or on the customer. */
export function birthYearOf(customer: MeshCustomer): number | undefined {
  const facts = applicantFacts(customer);
  if (facts.birthDate !== undefined) return Number(facts.birthDate.slice(0, 4));
  return yearOf(fieldOf(customer, 'date_of_birth')) ?? yearOf(fieldOf(customer, 'birth_date'));
}

/** Nationalities, country of residence, the primary address's country, a company's country: ISO-2, once each. */
export function countryCodesOf(customer: MeshCustomer): string[] {
  const facts = applicantFacts(customer);
  const candidates: unknown[] = [
    ...facts.nationality,
    ...listOf(fieldOf(customer, 'country_of_residence')),
    facts.address?.country,
    ...(facts.kind === 'company'
      ? [fieldOf(customer, 'incorporation_country'), fieldOf(customer, 'country')]
      : []),
  ];
  const codes: string[] = [];
  for (const candidate of candidates) {
    const code = countryCode(candidate);
    if (code !== undefined && !codes.includes(code)) codes.push(code);
  }
  return codes;
}

/** Why no search can be made for this customer (one line per field, never its value); none when it can. */
export function searchProblemsOf(customer: MeshCustomer): string[] {
  if (searchTermOf(customer) !== undefined) return [];
  return applicantFacts(customer).kind === 'company'
    ? ['customer.company.legal_name: required by ComplyAdvantage classic (a company is searched by its name)']
    : [
        'customer.person.last_name: required by ComplyAdvantage classic (or full_name, whose last word is taken as the last name)',
      ];
}

/**
 * The `POST /searches` body: the term, `client_ref` = our external identifier, the profile, the year of
 * birth and country codes when known, our tag when configured. Never `filters.types` (it excludes
 * `search_profile`). Undefined for a customer with problems (`searchProblemsOf`).
 */
export function searchBodyOf(
  customer: MeshCustomer,
  profile: string,
  tagName?: string,
): CaClassicSearchBody | undefined {
  const term = searchTermOf(customer);
  if (term === undefined) return undefined;
  const birthYear = applicantFacts(customer).kind === 'person' ? birthYearOf(customer) : undefined;
  const countryCodes = countryCodesOf(customer);
  const filters = {
    ...(birthYear !== undefined && { birth_year: birthYear }),
    ...(countryCodes.length > 0 && { country_codes: countryCodes }),
  };
  return {
    search_term: term,
    client_ref: customer.external_identifier,
    search_profile: profile,
    ...(Object.keys(filters).length > 0 && { filters }),
    ...(tagName !== undefined && { tags: { [tagName]: customer.external_identifier } }),
  };
}

/** `tags=<name>:<value>` is a comma list of `name:value`: a value with `,` or `:` cannot be asked for. */
export function tagFilterOf(tagName: string | undefined, externalIdentifier: string): string | undefined {
  if (tagName === undefined || /[,:]/.test(externalIdentifier)) return undefined;
  return `${tagName}:${externalIdentifier}`;
}

// --- a search read back ---------------------------------------------------------------------------------

/**
 * Whether a search is one we made for this external identifier: `client_ref` says so, or (without it)
 * our tag; `unknown` when the answer carries neither (list items may not).
 */
export function ownershipOf(
  search: CaClassicSearch,
  externalIdentifier: string,
  tagName: string | undefined,
): 'ours' | 'theirs' | 'unknown' {
  if (search.clientRef !== undefined) return search.clientRef === externalIdentifier ? 'ours' : 'theirs';
  const tagged = tagName !== undefined ? search.tags[tagName] : undefined;
  if (tagged !== undefined) return tagged === externalIdentifier ? 'ours' : 'theirs';
  return 'unknown';
}

/**
 * `created_at` in ms. The API writes `YYYY-MM-DD HH:MM:SS` without a zone, read as UTC (the samples
 * say nothing; inferred); a value with a zone is read as written. Undefined when unreadable.
 */
export function createdAtMs(search: CaClassicSearch): number | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(
    search.createdAt?.trim() ?? '',
  );
  if (match === null) return undefined;
  const ms = Date.parse(`${match[1]}T${match[2]}${match[3] ?? 'Z'}`);
  return Number.isNaN(ms) ? undefined : ms;
}

export interface HitCount {
  /** Hits not whitelisted, plus every hit the answer counts but does not carry; undefined when unknown. */
  open: number | undefined;
  whitelisted: number;
}

export function hitCountOf(search: CaClassicSearch): HitCount {
  const { hits, totalHits } = search;
  if (hits === undefined) return { open: totalHits, whitelisted: 0 };
  const whitelisted = hits.filter((hit) => hit.whitelisted).length;
  const seenOpen = hits.length - whitelisted;
  // Hits beyond those carried (at most 100 come back) cannot be proven whitelisted.
  const unseen =
    totalHits !== undefined ? Math.max(0, totalHits - hits.length) : hits.length >= HITS_PER_ANSWER ? 1 : 0;
  return { open: seenOpen + unseen, whitelisted };
}

/** The types of the open hits (`sanction`, `pep`, …), once each, in order of appearance. */
export function amlTypesOf(search: CaClassicSearch): string[] {
  const types: string[] = [];
  for (const hit of search.hits ?? []) {
    if (hit.whitelisted) continue;
    for (const type of hit.types) if (!types.includes(type)) types.push(type);
  }
  return types;
}

const DISMISSED = new Set(['no_match', 'false_positive']);
const FOR_REVIEW = new Set(['potential_match', 'true_positive', 'unknown', 'true_positive_reject']);

/**
 * What a screening found: `no_match`/`false_positive` with no open hit → clear; with open hits, or
 * `potential_match`, `true_positive`, `unknown`, `true_positive_reject` → hits (a person decides); any
 * other status, or hits that cannot be counted on a dismissed search → unrecognised.
 */
export function screeningOutcomeOf(search: CaClassicSearch): ScreeningOutcomeWord {
  const status = search.matchStatus;
  if (status !== undefined && FOR_REVIEW.has(status)) return 'hits';
  if (status === undefined || !DISMISSED.has(status)) return 'unrecognised';
  const { open } = hitCountOf(search);
  if (open === undefined) return 'unrecognised';
  return open === 0 ? 'clear' : 'hits';
}

/** `HITS` / `NO_HITS` by the open hits; undefined when they cannot be counted. */
export function screeningResultOf(search: CaClassicSearch): string | undefined {
  const { open } = hitCountOf(search);
  if (open === undefined) return undefined;
  return open > 0 ? 'HITS' : 'NO_HITS';
}

/**
 * Where the search stands as the analyst's case, from its `match_status` alone (the search-level status
 * a person set is the decision; its hits are not re-read): potential_match/unknown → open;
 * no_match/false_positive/true_positive_approve → approved; true_positive_reject → rejected;
 * true_positive → partial (the run's policy escalates or rejects, never approves); anything else →
 * unrecognised.
 */
export function caseVerdictOf(search: CaClassicSearch): CaseVerdict {
  switch (search.matchStatus) {
    case 'potential_match':
    case 'unknown':
      return 'open';
    case 'no_match':
    case 'false_positive':
    case 'true_positive_approve':
      return 'approved';
    case 'true_positive_reject':
      return 'rejected';
    case 'true_positive':
      return 'partial';
    default:
      return 'unrecognised';
  }
}

/** The decision in the API's words: null while open, else the `match_status` (null when absent). */
export function decisionTypeOf(search: CaClassicSearch): string | null {
  if (caseVerdictOf(search) === 'open') return null;
  return search.matchStatus ?? null;
}

/** For the record, never a name: `match_status potential_match, risk_level unknown, 1 hit (2 whitelisted)`. */
export function providerWordsOf(search: CaClassicSearch): string {
  const { open, whitelisted } = hitCountOf(search);
  const hits = open === undefined ? 'hits unknown' : `${open} ${open === 1 ? 'hit' : 'hits'}`;
  return [
    `match_status ${search.matchStatus ?? '(none)'}`,
    `risk_level ${search.riskLevel ?? '(none)'}`,
    `${hits}${whitelisted > 0 ? ` (${whitelisted} whitelisted)` : ''}`,
  ].join(', ');
}

/**
 * The customer as a search holds it: the external identifier and the name. A term read back as an object
 * is a person; as a string, a company when `filters.entity_type` says so, else a person's full name.
 */
export function customerFromSearch(search: CaClassicSearch, externalIdentifier: string): MeshCustomer {
  const term = search.searchTerm;
  if (term !== undefined && typeof term !== 'string') {
    if (term.last_name !== undefined) {
      return {
        external_identifier: externalIdentifier,
        person: {
          ...(term.first_name !== undefined && { first_name: term.first_name }),
          ...(term.middle_names !== undefined && { middle_name: term.middle_names }),
          last_name: term.last_name,
        },
      };
    }
  }
  const name = term !== undefined ? text(searchTermText(term)) : undefined;
  if (name === undefined) return { external_identifier: externalIdentifier };
  const entityType = search.entityType?.toLowerCase();
  if (entityType === 'company' || entityType === 'organisation' || entityType === 'organization') {
    return { external_identifier: externalIdentifier, company: { legal_name: name } };
  }
  return { external_identifier: externalIdentifier, person: { full_name: name } };
}

import { newId } from './ids';
import type {
  CheckResult,
  CheckStatus,
  ClientRecord,
  MatchRecord,
  MatchStatus,
  Summary,
  SummaryValue,
} from './store';

/**
 * Deterministic screening (docs/sandbox.md, "ComplyCube sandbox"): ComplyCube's sandbox test data decides
 * the outcome by the client's last name; the result is built in the reference's structure.
 */
export const SCREENING_CHECK_TYPES = ['standard_screening_check', 'extensive_screening_check'] as const;

/**
 * Other documented check types, accepted so that the rule "only screening checks can be updated" can be
 * met. The sandbox does not check their inputs (documents, photos) and completes them `clear`.
 */
export const OTHER_CHECK_TYPES = [
  'document_check',
  'identity_check',
  'enhanced_identity_check',
  'proof_of_address_check',
  'multi_bureau_check',
  'face_authentication_check',
  'age_estimation_check',
] as const;

export function isScreeningType(type: string): boolean {
  return (SCREENING_CHECK_TYPES as readonly string[]).includes(type);
}

/**
 * The four summary groups and their lists, as the reference's sample response spells them (its text
 * says `sanctionsList`, its sample `sanctionsLists`; the sample is what the API returns).
 */
export const SUMMARY_GROUPS = {
  watchlist: [
    'sanctionsLists',
    'otherOfficialLists',
    'warCrimes',
    'terror',
    'otherExclusionLists',
    'sanctionsControlAndOwnership',
  ],
  pep: ['level1', 'level2', 'level3', 'level4'],
  adverseMedia: ['environmentProduction', 'socialLabour', 'competitiveFinancial', 'regulatory'],
  otherLists: [
    'associatedEntity',
    'organisedCrime',
    'financialCrime',
    'taxCrime',
    'corruption',
    'trafficking',
  ],
} as const satisfies Record<string, readonly string[]>;
type Group = keyof typeof SUMMARY_GROUPS;

/** A standard check covers a subset of the lists: the rest report `not_processed`, even on a clear check. */
export const STANDARD_SCOPE: readonly Group[] = ['watchlist', 'pep'];

export type Trigger = 'clear' | 'attention' | 'not_processed' | 'failed';

export function entityNameOf(client: ClientRecord): string {
  if (client.companyDetails) return client.companyDetails.name;
  const p = client.personDetails;
  return p
    ? [p.firstName, p.middleName, p.lastName].filter((n) => n !== undefined && n !== '').join(' ')
    : '';
}

export function triggerFor(client: ClientRecord): Trigger {
  if (client.type === 'company') {
    return client.companyDetails?.name.toLowerCase().includes('attention') ? 'attention' : 'clear';
  }
  const last = client.personDetails?.lastName.trim().toLowerCase();
  if (last === 'attention') return 'attention';
  if (last === 'failed') return 'not_processed';
  if (last === 'check-failed') return 'failed';
  return 'clear';
}

function summary(checkType: string, value: (group: Group, list: string) => SummaryValue): Summary {
  const out: Summary = {};
  for (const [group, lists] of Object.entries(SUMMARY_GROUPS) as [Group, readonly string[]][]) {
    const inScope = checkType !== 'standard_screening_check' || STANDARD_SCOPE.includes(group);
    out[group] = Object.fromEntries(
      lists.map((list) => [list, inScope ? value(group, list) : 'not_processed']),
    );
  }
  return out;
}

function structuredDate(iso: string | undefined): Record<string, string> | undefined {
  const m = iso === undefined ? null : /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? { day: m[3]!, month: m[2]!, year: m[1]! } : undefined;
}

function nameBreakdown(fieldValue: string, score: number): Record<string, unknown>[] {
  return [
    {
      fieldName: 'name',
      riskWeight: 100,
      breakdowns: [],
      fieldValue: fieldValue.toLowerCase(),
      score,
      riskWeightedScore: score,
      normalisedScore: 100,
    },
  ];
}

function personMatches(client: ClientRecord): MatchRecord[] {
  const p = client.personDetails!;
  const full = `${p.firstName} ${p.lastName}`;
  const country = p.nationality ?? p.birthCountry ?? 'GB';
  // The reference gives a person match's gender; the sandbox echoes the client's, when it has one.
  const gender = p.gender === undefined ? {} : { gender: p.gender };
  const dob = structuredDate(p.dob);
  const dates = dob ? [{ type: 'Date of Birth', date: dob }] : [];
  const pep: MatchRecord = {
    id: newId(),
    score: 100,
    status: 'attention',
    details: {
      entityName: full,
      entityType: 'person',
      ...gender,
      deceased: false,
      names: [
        { type: 'primary', firstName: p.firstName, lastName: p.lastName, entityName: full },
        {
          type: 'alias',
          firstName: p.firstName.slice(0, 1),
          lastName: p.lastName,
          entityName: `${p.firstName.slice(0, 1)}. ${p.lastName}`,
        },
      ],
      countries: [
        { type: 'Citizenship', country },
        { type: 'Resident of', country },
      ],
      birthPlaces: [],
      occupations: [
        {
          type: 'Primary Occupation',
          category: 'National Government Ministers',
          title: 'Minister of Sandbox Affairs',
          fromDate: { month: '01', year: '2019' },
        },
      ],
      dates,
      references: [{ source: 'Sandbox PEP Register', fromDate: { day: '01', month: '01', year: '2019' } }],
      addresses: [],
      identifications: [],
      images: [],
      classifications: { pep: ['level1', 'level2'] },
    },
    breakdown: nameBreakdown(full, 100),
  };
  const sanctioned = `${p.firstName} ${p.lastName}e`;
  const sanction: MatchRecord = {
    id: newId(),
    score: 93,
    status: 'attention',
    details: {
      entityName: sanctioned,
      entityType: 'person',
      ...gender,
      deceased: false,
      names: [
        { type: 'primary', firstName: p.firstName, lastName: `${p.lastName}e`, entityName: sanctioned },
      ],
      countries: [{ type: 'Jurisdiction', country }],
      birthPlaces: [],
      dates,
      references: [
        { source: 'Sandbox Consolidated Sanctions List', fromDate: { day: '15', month: '03', year: '2022' } },
      ],
      addresses: [],
      identifications: [{ type: 'Sandbox List ID', value: 'SBX-0001' }],
      images: [],
      classifications: { watchlist: ['sanctionsLists'] },
    },
    breakdown: nameBreakdown(sanctioned, 93),
  };
  return [pep, sanction];
}

function companyMatches(client: ClientRecord): MatchRecord[] {
  const c = client.companyDetails!;
  const country = c.incorporationCountry ?? 'GB';
  const company = (entityName: string) => ({
    entityName,
    entityType: 'company',
    names: [{ type: 'primary', entityName }],
    countries: [{ type: 'Jurisdiction', country }],
    dates: [],
    addresses: [],
    identifications: [],
    images: [],
  });
  return [
    {
      id: newId(),
      score: 100,
      status: 'attention',
      details: {
        ...company(c.name),
        references: [
          {
            source: 'Sandbox Consolidated Sanctions List',
            fromDate: { day: '15', month: '03', year: '2022' },
          },
        ],
        classifications: { watchlist: ['sanctionsLists', 'sanctionsControlAndOwnership'] },
      },
      breakdown: nameBreakdown(c.name, 100),
    },
    {
      id: newId(),
      score: 91,
      status: 'attention',
      details: {
        ...company(`${c.name} Holdings`),
        references: [{ source: 'Sandbox Official Register', fromDate: { year: '2020' } }],
        classifications: { watchlist: ['otherOfficialLists'] },
      },
      breakdown: nameBreakdown(`${c.name} Holdings`, 91),
    },
  ];
}

/** What a screening check of this client ends as: its status, and its result once `complete`. */
export function screen(
  checkType: string,
  client: ClientRecord,
): { status: CheckStatus; result?: CheckResult } {
  if (!isScreeningType(checkType)) return { status: 'complete', result: { outcome: 'clear' } };
  const trigger = triggerFor(client);
  if (trigger === 'failed') return { status: 'failed' };
  if (trigger === 'not_processed') {
    return {
      status: 'complete',
      result: {
        outcome: 'not_processed',
        breakdown: { summary: summary(checkType, () => 'not_processed'), matches: [] },
      },
    };
  }
  if (trigger === 'clear') {
    return {
      status: 'complete',
      result: { outcome: 'clear', breakdown: { summary: summary(checkType, () => 'clear'), matches: [] } },
    };
  }
  const matches = client.type === 'company' ? companyMatches(client) : personMatches(client);
  const hit = new Set(
    matches.flatMap((m) =>
      Object.entries(m.details.classifications as Record<string, string[]>).flatMap(([group, lists]) =>
        lists.map((list) => `${group}.${list}`),
      ),
    ),
  );
  return {
    status: 'complete',
    result: {
      outcome: 'attention',
      breakdown: {
        summary: summary(checkType, (group, list) => (hit.has(`${group}.${list}`) ? 'attention' : 'clear')),
        matches,
      },
    },
  };
}

/** The check's outcome once matches are validated: all rejected → clear, any confirmed → match_confirmed. */
export function outcomeAfterValidation(matches: readonly { status: MatchStatus }[]): string {
  if (matches.some((m) => m.status === 'confirmed')) return 'match_confirmed';
  if (matches.length > 0 && matches.every((m) => m.status === 'rejected')) return 'clear';
  return 'attention';
}

/**
 * The client's risk profile, minimal: middle name `medium-risk` / `high-risk` gives medium / high once
 * the client has a nationality or birth country (ComplyCube scores countries), low otherwise.
 */
export function riskLevel(client: ClientRecord): 'low' | 'medium' | 'high' {
  const p = client.personDetails;
  if (!p || (p.nationality === undefined && p.birthCountry === undefined)) return 'low';
  const middle = p.middleName?.trim().toLowerCase();
  if (middle === 'high-risk') return 'high';
  if (middle === 'medium-risk') return 'medium';
  return 'low';
}

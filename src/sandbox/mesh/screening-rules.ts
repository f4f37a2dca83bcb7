/**
 * The sandbox's deterministic screening: a name decides the risk level and the screening result.
 * docs/sandbox.md prints this table; keep the two in step. Names match case-insensitively on the
 * person's full_name, on "first last" or "first middle last", or on a company's legal_name.
 */
export interface ScreeningRule {
  name: string;
  overallLevel: string;
  overallValue: number;
  /** Absent: screening is SKIPPED (PROHIBITED). */
  screeningResult?: string;
  amlTypes: string[];
  /** One alert per matched profile; > 0 opens a CUSTOMER_ONBOARDING case. */
  profileCount: number;
  /** The customer-screening step ERRORS with this message; later steps are SKIPPED. */
  screeningError?: string;
  why: string;
}

const clean = (
  name: string,
  level: string,
  value: number,
  why: string,
  result = 'NO_PROFILES',
): ScreeningRule => ({
  name,
  overallLevel: level,
  overallValue: value,
  screeningResult: result,
  amlTypes: [],
  profileCount: 0,
  why,
});

export const SCREENING_RULES: readonly ScreeningRule[] = [
  clean('Test CleanUser', 'LOW-RISK', 15, "the guide's clean test customer"),
  {
    name: 'Victor Bout',
    overallLevel: 'MEDIUM-RISK',
    overallValue: 45,
    screeningResult: 'HAS_PROFILES',
    amlTypes: ['SANCTION', 'PEP_CLASS_2'],
    profileCount: 1,
    why: "the onboarding guide's sample potential match, with the values of its example response",
  },
  {
    name: 'Hannah Highmatch',
    overallLevel: 'HIGH-RISK',
    overallValue: 90,
    screeningResult: 'HAS_PROFILES',
    amlTypes: ['SANCTION', 'PEP_CLASS_1', 'ADVERSE_MEDIA'],
    profileCount: 3,
    why: 'a high-risk match with several alerts',
  },
  {
    name: 'Sanctioned Shipping LLC',
    overallLevel: 'HIGH-RISK',
    overallValue: 85,
    screeningResult: 'HAS_PROFILES',
    amlTypes: ['SANCTION'],
    profileCount: 1,
    why: 'a company match',
  },
  clean('Lena Lowrisk', 'LOW-RISK', 10, 'LOW-RISK, no profiles'),
  clean('Mia Mediumrisk', 'MEDIUM-RISK', 50, 'MEDIUM-RISK, no profiles'),
  clean('Hugo Highrisk', 'HIGH-RISK', 80, 'HIGH-RISK, no profiles'),
  clean('Una Unspecified', 'UNSPECIFIED-RISK', 0, 'UNSPECIFIED-RISK, no profiles'),
  clean('Sam Skippedrisk', 'SKIPPED', 0, 'risk scoring answers SKIPPED, screening still runs'),
  {
    name: 'Pablo Prohibited',
    overallLevel: 'PROHIBITED',
    overallValue: 100,
    amlTypes: [],
    profileCount: 0,
    why: 'PROHIBITED: screening, alerting and case-creation SKIPPED',
  },
  {
    name: 'Prohibited Trading Ltd',
    overallLevel: 'PROHIBITED',
    overallValue: 100,
    amlTypes: [],
    profileCount: 0,
    why: 'a PROHIBITED company',
  },
  {
    name: 'Harry Hits',
    overallLevel: 'MEDIUM-RISK',
    overallValue: 55,
    screeningResult: 'HAS-HITS',
    amlTypes: ['SANCTION'],
    profileCount: 1,
    why: 'the legacy HAS-HITS value (a case opens)',
  },
  clean('Nora Nohits', 'LOW-RISK', 20, 'the legacy NO-HITS value', 'NO-HITS'),
  clean('Fiona Future', 'EXTREME-RISK', 95, 'a risk level no client has seen (open enum)'),
  {
    name: 'Ursula Unknown',
    overallLevel: 'MEDIUM-RISK',
    overallValue: 60,
    screeningResult: 'POSSIBLE_PROFILES',
    amlTypes: ['ADVERSE_MEDIA'],
    profileCount: 1,
    why: 'a screening_result no client has seen (open enum); a case opens',
  },
  {
    name: 'Eric Error',
    overallLevel: 'LOW-RISK',
    overallValue: 15,
    amlTypes: [],
    profileCount: 0,
    screeningError: 'Screening provider unavailable',
    why: 'customer-screening ERRORED, alerting and case-creation SKIPPED, workflow ERRORED',
  },
];

/** Any name not in the table. */
export const DEFAULT_RULE: ScreeningRule = clean(
  '(any other name)',
  'LOW-RISK',
  15,
  'unknown names are clean',
);

/** A customer with no name at all (possible after a replacing update-and-rescore without one). */
export const NAMELESS_RULE: ScreeningRule = clean('(no name)', 'UNSPECIFIED-RISK', 0, 'nothing to score');

export function normaliseName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

const byName = new Map(SCREENING_RULES.map((r) => [normaliseName(r.name), r]));

/** The first candidate found in the table wins; no candidates means the customer has no name. */
export function ruleFor(nameCandidates: string[]): ScreeningRule {
  if (nameCandidates.length === 0) return NAMELESS_RULE;
  for (const candidate of nameCandidates) {
    const rule = byName.get(normaliseName(candidate));
    if (rule) return rule;
  }
  return DEFAULT_RULE;
}

/**
 * The screening table as docs/sandbox.md prints it, one row per rule plus the fallbacks; a test
 * compares the document with these rows so the two cannot drift apart.
 */
export const SCREENING_TABLE_HEADER = [
  'Name',
  'overall_level',
  'overall_value',
  'customer-screening',
  'aml_types',
  'Alerts',
  'Case',
  'Why',
] as const;

export function screeningTableRows(): string[][] {
  const code = (value: string) => `\`${value}\``;
  return [...SCREENING_RULES, DEFAULT_RULE, NAMELESS_RULE].map((rule) => [
    rule.name.startsWith('(') ? rule.name : code(rule.name),
    code(rule.overallLevel),
    String(rule.overallValue),
    rule.screeningError !== undefined
      ? 'ERRORED'
      : rule.screeningResult === undefined
        ? 'SKIPPED'
        : code(rule.screeningResult),
    rule.amlTypes.length === 0 ? '-' : rule.amlTypes.map(code).join(', '),
    String(rule.profileCount),
    rule.profileCount > 0 ? 'CUSTOMER_ONBOARDING' : '-',
    rule.why,
  ]);
}

import type { RiskCheckBody } from './request-schema';

/**
 * The sandbox's deterministic scoring: a word in a name decides the level and whether a case opens.
 * docs/providers/risk.md ("Sandbox") prints this table; keep the two in step. Words match case-sensitively
 * anywhere in the person's first, middle, last or full name, or a company's legal name; the first rule that
 * matches wins. `severe` is outside low/medium/high on purpose: it proves the open set is handled.
 */
export interface RiskNameRule {
  /** Matched case-sensitively anywhere in a name. */
  word: string;
  riskLevel: string;
  riskPoints: number;
  /** `open` opens a case on the first check; `not-opened` opens none. */
  caseStatus: 'open' | 'not-opened';
}

export const RISK_NAME_RULES: readonly RiskNameRule[] = [
  { word: 'Severe', riskLevel: 'severe', riskPoints: 95, caseStatus: 'not-opened' },
  { word: 'High', riskLevel: 'high', riskPoints: 80, caseStatus: 'open' },
  { word: 'Medium', riskLevel: 'medium', riskPoints: 45, caseStatus: 'not-opened' },
];

/** Everyone else, companies included. */
export const RISK_DEFAULT_RULE: Omit<RiskNameRule, 'word'> = {
  riskLevel: 'low',
  riskPoints: 10,
  caseStatus: 'not-opened',
};

/** Added to the points (not the level) when the applicant declared being a PEP. */
export const DECLARED_PEP_POINTS = 10;

export interface RiskScoreOf {
  riskLevel: string;
  riskPoints: number;
  caseStatus: 'open' | 'not-opened';
  riskFactors: { factor: string; points: number; detail: string }[];
}

function namesOf(body: RiskCheckBody): string[] {
  const p = body.person;
  const names = [p?.firstName, p?.middleName, p?.lastName, p?.fullName, body.company?.legalName];
  return names.filter((n): n is string => n !== undefined);
}

export function scoreOf(body: RiskCheckBody): RiskScoreOf {
  const names = namesOf(body);
  const rule = RISK_NAME_RULES.find((r) => names.some((n) => n.includes(r.word)));
  const base = rule ?? RISK_DEFAULT_RULE;
  const riskFactors: RiskScoreOf['riskFactors'] = [
    {
      factor: 'sandbox-name-rule',
      points: base.riskPoints,
      detail: rule ? `a name contains "${rule.word}"` : 'no name rule matched',
    },
  ];
  let riskPoints = base.riskPoints;
  if (body.declaredPep === true) {
    riskFactors.push({
      factor: 'declared-pep',
      points: DECLARED_PEP_POINTS,
      detail: 'the applicant declared being a PEP',
    });
    riskPoints += DECLARED_PEP_POINTS;
  }
  return { riskLevel: base.riskLevel, riskPoints, caseStatus: base.caseStatus, riskFactors };
}

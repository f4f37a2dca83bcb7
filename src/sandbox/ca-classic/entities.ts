import type { RiskLevel } from './store';

/**
 * The sandbox's data: the names the reference's samples use, each with the hits ComplyAdvantage classic
 * answers for it (docs/providers/ca-classic-sandbox.md, "Names"). Entities follow the reference's entity
 * format; the Mugabe and Jinkis documents are the reference's own samples, the rest are fictitious.
 */

export interface EntityField {
  name: string;
  value: string;
  tag?: string;
  source?: string;
  locale?: string;
}

export interface EntityDoc {
  id: string;
  entity_type: 'person' | 'company';
  name: string;
  first_name?: string;
  middle_names?: string;
  last_name?: string;
  aka: { name: string }[];
  associates: { name: string; association: string }[];
  fields: EntityField[];
  media: { date: string; title: string; snippet: string; url: string }[];
  sources: string[];
  types: string[];
  last_updated_utc: string;
}

interface TableHit {
  doc: EntityDoc;
  /** What matched when the term is not the entity's name or one of its akas exactly. */
  matchTypes: string[];
  score: number;
  /** Compared with `filters.birth_year` (±1, as the reference allows); none: never filtered out by it. */
  birthYear?: number;
  /** Compared with `filters.country_codes`, for PEP entities only (see `keptByCountry`). */
  countries?: string[];
  /** Removed by `filters.remove_deceased: "1"`. */
  deceased?: boolean;
}

export interface NameRule {
  /** The names that find these hits, as written (compared normalised). */
  names: string[];
  /** A company is found by a string `search_term` only (a person in either form). */
  entityType: 'person' | 'company';
  /** The new search's `risk_level` (its `match_status` is `potential_match`). */
  riskLevel: RiskLevel;
  hits: TableHit[];
  /** Where the row comes from. */
  why: string;
}

/** A search with hits starts `potential_match`; one without, `no_match` with risk `low`. */
export const NO_HIT_OUTCOME = { matchStatus: 'no_match', riskLevel: 'low' } as const;

const MUGABE_MEDIA = {
  date: '2018-09-17T00:00:00Z',
  title: "Mugabe's son-in-law under probe – The Zimbabwe Mail",
  snippet:
    "- Mugabe's son-in-law under probe PRESIDENT Emmerson Mnangagwa's anti-corruption unit has reportedly opened investigations into former President Robert Mugabe's son-in-law, Simba Chikore's involvement in the botched ZimAirways deal, NewsDay can reveal.",
  url: 'https://www.thezimbabwemail.com/law-crime/mugabes-son-in-law-under-probe/',
};

function person(
  id: string,
  name: string,
  parts: { first: string; middle?: string; last: string },
  rest: Partial<EntityDoc> & Pick<EntityDoc, 'sources' | 'types'>,
): EntityDoc {
  return {
    id,
    entity_type: 'person',
    name,
    first_name: parts.first,
    ...(parts.middle === undefined ? {} : { middle_names: parts.middle }),
    last_name: parts.last,
    aka: [],
    associates: [],
    fields: [],
    media: [],
    last_updated_utc: '2019-03-01T10:00:00Z',
    ...rest,
  };
}

const dob = (value: string, source: string): EntityField => ({
  name: 'Date of Birth',
  tag: 'date_of_birth',
  value,
  source,
});
const countries = (value: string, codes: string): EntityField[] => [
  { name: 'Countries', tag: 'country_names', value },
  { name: 'Country Codes', tag: 'country_codes', value: codes },
];

const putin = (
  id: string,
  name: string,
  extra: Omit<TableHit, 'doc'> & { doc: Partial<EntityDoc> & Pick<EntityDoc, 'sources' | 'types'> },
): TableHit => {
  const [first, ...rest] = name.split(' ');
  const { doc, ...hit } = extra;
  return {
    ...hit,
    doc: person(
      id,
      name,
      { first: first!, last: rest.at(-1)!, ...(rest.length > 1 && { middle: rest[0]! }) },
      doc,
    ),
  };
};

export const NAME_RULES: readonly NameRule[] = [
  {
    names: ['Robert Mugabe', 'Robert Gabriel Mugabe'],
    entityType: 'person',
    riskLevel: 'unknown',
    why: "the reference's search and entity samples",
    hits: [
      {
        doc: person(
          'KCVZXTP179KK5KY',
          'Robert Mugabe',
          { first: 'Robert', last: 'Mugabe' },
          {
            last_updated_utc: '2014-11-11T11:38:54',
            sources: [
              'example-1-list',
              'example-2-list',
              'example-3-list',
              'example-4-list',
              'example-5-list',
            ],
            types: ['sanction', 'pep'],
            fields: [
              dob('1924-02-21', 'example-2-list'),
              { name: 'Place of Birth', tag: 'place_of_birth', value: 'Zimbabwe', source: 'example-3-list' },
              { name: 'Nationality', tag: 'nationality', value: 'Zimbabwe', source: 'example-3-list' },
              ...countries('Zimbabwe', 'ZW'),
              { name: 'Address', value: 'Harare, Zimbabwe', source: 'example-4-list' },
              { name: 'OFAC ID', value: 'OFAC-16547', source: 'example-5-list' },
            ],
            aka: [{ name: 'Robert Gabriel Mugabe' }],
            associates: [{ name: 'Grace Mugabe', association: 'Spouse' }],
            media: [MUGABE_MEDIA],
          },
        ),
        matchTypes: ['name_exact'],
        score: 3.511,
        birthYear: 1924,
        countries: ['ZW'],
      },
    ],
  },
  {
    names: ['Hugo Jinkis'],
    entityType: 'person',
    riskLevel: 'medium',
    why: "the reference's list and details samples",
    hits: [
      {
        doc: person(
          'BYKUB1NQ8RPEC7T',
          'Hugo Jinkis',
          { first: 'Hugo', last: 'Jinkis' },
          {
            last_updated_utc: '2015-06-03T18:05:28Z',
            sources: ['complyadvantage'],
            types: [],
            associates: [{ association: 'Business Partner', name: 'Mariano Jinkis' }],
            fields: [
              { name: 'Countries', tag: 'country_names', value: 'Argentina' },
              {
                locale: 'en',
                name: 'Description',
                source: 'complyadvantage',
                tag: 'description',
                value:
                  'Controlling principal of Full Play Group S.A., a sports marketing business based in Argentina, and its affiliates.',
              },
              {
                locale: 'en',
                name: 'Crime',
                source: 'complyadvantage',
                tag: 'crime',
                value:
                  'Hugo Jinkis was one of the nine FIFA officials and five corporate executives indicted for racketeering conspiracy and corruption in May 2015.',
              },
            ],
          },
        ),
        matchTypes: ['name_exact'],
        score: 1.001,
        countries: ['AR'],
      },
    ],
  },
  {
    names: ['Vladimir Putin'],
    entityType: 'person',
    riskLevel: 'high',
    why: "the reference's list sample (7 hits, risk high); the entities are fictitious",
    hits: [
      putin('N4X8QK2ZP7RW1TB', 'Vladimir Putin', {
        matchTypes: ['name_exact'],
        score: 2.981,
        birthYear: 1952,
        countries: ['RU'],
        doc: {
          sources: ['example-sanctions-list'],
          types: ['sanction', 'pep', 'pep-class-1'],
          fields: [dob('1952-10-07', 'example-sanctions-list'), ...countries('Russian Federation', 'RU')],
        },
      }),
      putin('H2M6VD9LC3QF8YS', 'Vladimir Vladimirovich Putin', {
        matchTypes: ['aka_exact'],
        score: 2.874,
        birthYear: 1952,
        countries: ['RU'],
        doc: {
          sources: ['example-pep-list', 'complyadvantage-adverse-media'],
          types: ['pep', 'pep-class-1', 'adverse-media', 'adverse-media-general'],
          aka: [{ name: 'Vladimir Putin' }],
          fields: [dob('1952', 'example-pep-list'), ...countries('Russian Federation', 'RU')],
        },
      }),
      putin('T7B3RJ5WX1KN9GE', 'Vladimir Putin', {
        matchTypes: ['name_exact'],
        score: 2.413,
        birthYear: 1952,
        doc: {
          sources: ['example-warning-list'],
          types: ['warning'],
          fields: [dob('1952', 'example-warning-list')],
        },
      }),
      putin('C9F1ZM4HT6PV2DQ', 'Vladimir Putin', {
        matchTypes: ['name_exact'],
        score: 2.102,
        birthYear: 1968,
        countries: ['BY'],
        doc: {
          sources: ['example-pep-list'],
          types: ['pep', 'pep-class-4'],
          fields: [dob('1968', 'example-pep-list'), ...countries('Belarus', 'BY')],
        },
      }),
      putin('W5K8YB2NR7GX3LA', 'Vladimir Putin', {
        matchTypes: ['name_exact'],
        score: 1.877,
        doc: {
          sources: ['complyadvantage-adverse-media'],
          types: ['adverse-media', 'adverse-media-financial-crime'],
        },
      }),
      putin('P3D7GS9QM1XC5HV', 'Vladimir Poutine', {
        matchTypes: ['name_phonetic'],
        score: 1.204,
        birthYear: 1971,
        countries: ['FR'],
        doc: {
          sources: ['example-pep-list'],
          types: ['pep', 'pep-class-2'],
          fields: [dob('1971', 'example-pep-list'), ...countries('France', 'FR')],
        },
      }),
      putin('R6J2LT8VF4BN1ZK', 'Vladimir Putin', {
        matchTypes: ['name_exact'],
        score: 0.988,
        birthYear: 1911,
        countries: ['RU'],
        deceased: true,
        doc: {
          sources: ['example-pep-list'],
          types: ['pep', 'pep-class-3'],
          fields: [
            dob('1911', 'example-pep-list'),
            { name: 'Date of Death', tag: 'date_of_death', value: '1999', source: 'example-pep-list' },
            ...countries('Russian Federation', 'RU'),
          ],
        },
      }),
    ],
  },
  {
    names: ['A Bad Company Ltd'],
    entityType: 'company',
    riskLevel: 'unknown',
    why: "the reference's company search sample (its answer is not shown; the entity is fictitious)",
    hits: [
      {
        doc: {
          id: 'E8S4BQ1MW6ZK3TN',
          entity_type: 'company',
          name: 'A Bad Company Ltd',
          aka: [{ name: 'A Bad Company Limited' }],
          associates: [],
          fields: [
            { name: 'Registration Number', value: 'ABC-000123', source: 'example-sanctions-list' },
            { name: 'Reason', value: 'Fictitious sanctioned company', source: 'example-warning-list' },
          ],
          media: [],
          sources: ['example-sanctions-list', 'example-warning-list'],
          types: ['sanction', 'warning'],
          last_updated_utc: '2019-03-01T10:00:00Z',
        },
        matchTypes: ['name_exact'],
        score: 2.25,
      },
    ],
  },
];

/** Lower case, runs of white space as one space, trimmed: how names are compared. */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/\s+/g, ' ').trim();
}

export function ruleFor(term: string, termKind: 'string' | 'object'): NameRule | undefined {
  const wanted = normaliseName(term);
  return NAME_RULES.find(
    (rule) =>
      (rule.entityType === 'person' || termKind === 'string') &&
      rule.names.some((name) => normaliseName(name) === wanted),
  );
}

export interface ScreenInput {
  term: string;
  termKind: 'string' | 'object';
  birthYear?: number;
  types?: string[];
  countryCodes?: string[];
  removeDeceased: boolean;
  /** `exact_match: true` or `fuzziness: 0`: only hits whose name or aka matched exactly. */
  exact: boolean;
}

export interface ScreenedHit {
  doc: EntityDoc;
  matchTypes: string[];
  score: number;
}

/** A `filters.types` value covers an entity type: `pep` every PEP class, `adverse-media` every kind of it. */
function typeCovers(wanted: string, type: string): boolean {
  if (wanted === type) return true;
  return (wanted === 'pep' || wanted === 'adverse-media') && type.startsWith(`${wanted}-`);
}

/**
 * The reference's country rule: only PEP entities with a country are filtered; sanctioned entities,
 * adverse-media-only ones and those without a country always stay.
 */
function keptByCountry(hit: TableHit, codes: string[]): boolean {
  const types = hit.doc.types;
  if (!types.some((t) => t === 'pep' || t.startsWith('pep-'))) return true;
  if (types.includes('sanction')) return true;
  if (hit.countries === undefined || hit.countries.length === 0) return true;
  return hit.countries.some((c) => codes.includes(c));
}

/** Every hit of the term's rule that the filters keep, best first (before whitelisting, offset and limit). */
export function screen(input: ScreenInput): { rule: NameRule | undefined; hits: ScreenedHit[] } {
  const rule = ruleFor(input.term, input.termKind);
  if (!rule) return { rule, hits: [] };
  const wanted = normaliseName(input.term);
  const hits: ScreenedHit[] = [];
  for (const hit of rule.hits) {
    const doc = hit.doc;
    let matchTypes = hit.matchTypes;
    if (normaliseName(doc.name) === wanted) matchTypes = ['name_exact'];
    else if (doc.aka.some((a) => normaliseName(a.name) === wanted)) matchTypes = ['aka_exact'];
    if (input.exact && !matchTypes.some((t) => t.endsWith('_exact'))) continue;
    if (input.birthYear !== undefined && hit.birthYear !== undefined) {
      if (Math.abs(hit.birthYear - input.birthYear) > 1) continue;
      matchTypes = [...matchTypes, 'year_of_birth'];
    }
    const types = input.types;
    if (types !== undefined && doc.types.length > 0) {
      if (!doc.types.some((type) => types.some((w) => typeCovers(w, type)))) continue;
    }
    if (input.countryCodes !== undefined && input.countryCodes.length > 0) {
      if (!keptByCountry(hit, input.countryCodes)) continue;
    }
    if (input.removeDeceased && hit.deceased === true) continue;
    hits.push({ doc: structuredClone(doc), matchTypes, score: hit.score });
  }
  return { rule, hits };
}

import type { MeshCustomer } from '../../../src/contracts/customer';
import type { CaClassicHit, CaClassicSearch } from '../../../src/providers/ca-classic/api';
import {
  amlTypesOf,
  caseVerdictOf,
  createdAtMs,
  customerFromSearch,
  decisionTypeOf,
  ownershipOf,
  providerWordsOf,
  screeningOutcomeOf,
  screeningResultOf,
  searchBodyOf,
  searchProblemsOf,
  tagFilterOf,
} from '../../../src/providers/ca-classic/searches';

/** The pure mapping: our customer as a search body, a search in the port's neutral words. */

const hit = (types: string[], whitelisted = false, entityId = 'E'): CaClassicHit => ({
  entityId,
  types,
  whitelisted,
});
const search = (over: Partial<CaClassicSearch>): CaClassicSearch => ({ id: '1', tags: {}, ...over });

describe('searchBodyOf', () => {
  it('sends a person as name parts with year of birth and country codes, never filters.types', () => {
    const customer: MeshCustomer = {
      external_identifier: 'CUST-1',
      person: {
        first_name: 'Robert',
        middle_name: 'Gabriel',
        last_name: 'Mugabe',
        nationality: ['zw', 'GB'],
      },
      date_of_birth: { day: 21, month: 2, year: 1924 },
      country_of_residence: 'ZA',
      address: [{ country: 'zw' }],
    };
    expect(searchBodyOf(customer, 'std')).toEqual({
      search_term: { first_name: 'Robert', middle_names: 'Gabriel', last_name: 'Mugabe' },
      client_ref: 'CUST-1',
      search_profile: 'std',
      filters: { birth_year: 1924, country_codes: ['ZW', 'GB', 'ZA'] },
    });
  });

  it('splits a full name (the last word is the last name), reads birth_date and a year alone', () => {
    expect(
      searchBodyOf(
        {
          external_identifier: 'E',
          person: { full_name: ' Ada  King Byron Lovelace ', birth_date: '1815-12-10' },
        },
        'p',
      ),
    ).toEqual({
      search_term: { first_name: 'Ada', middle_names: 'King Byron', last_name: 'Lovelace' },
      client_ref: 'E',
      search_profile: 'p',
      filters: { birth_year: 1815 },
    });
    expect(
      searchBodyOf(
        { external_identifier: 'E', person: { full_name: 'Cher' }, date_of_birth: { year: 1946 } },
        'p',
      ),
    ).toEqual({
      search_term: { last_name: 'Cher' },
      client_ref: 'E',
      search_profile: 'p',
      filters: { birth_year: 1946 },
    });
  });

  it('sends a company as its legal name, with its country, and our tag when configured', () => {
    expect(
      searchBodyOf(
        {
          external_identifier: 'ACME-1',
          company: { legal_name: 'A Bad Company Ltd', incorporation_country: 'gb' },
        },
        'std',
        'kyc_id',
      ),
    ).toEqual({
      search_term: 'A Bad Company Ltd',
      client_ref: 'ACME-1',
      search_profile: 'std',
      filters: { country_codes: ['GB'] },
      tags: { kyc_id: 'ACME-1' },
    });
  });

  it('leaves out what is not a year or a two-letter code, and sends no empty filters', () => {
    expect(
      searchBodyOf(
        {
          external_identifier: 'E',
          person: { last_name: 'Doe', nationality: 'British' },
          date_of_birth: 'sometime',
          address: { country: 'United Kingdom' },
        },
        'p',
      ),
    ).toEqual({ search_term: { last_name: 'Doe' }, client_ref: 'E', search_profile: 'p' });
  });

  it('refuses a customer without a name to search, naming the field', () => {
    expect(searchBodyOf({ external_identifier: 'E', person: { first_name: 'Ada' } }, 'p')).toBeUndefined();
    expect(searchProblemsOf({ external_identifier: 'E', person: { first_name: 'Ada' } })).toEqual([
      expect.stringMatching(/^customer\.person\.last_name: required/),
    ]);
    expect(searchProblemsOf({ external_identifier: 'E', company: { legal_name: ' ' } })).toEqual([
      expect.stringMatching(/^customer\.company\.legal_name: required/),
    ]);
  });
});

describe('screeningOutcomeOf', () => {
  it.each<[string, Partial<CaClassicSearch>, string, string | undefined]>([
    ['no_match, no hits', { matchStatus: 'no_match', totalHits: 0, hits: [] }, 'clear', 'NO_HITS'],
    ['no_match, total 0, hits not carried', { matchStatus: 'no_match', totalHits: 0 }, 'clear', 'NO_HITS'],
    [
      'false_positive, every hit whitelisted',
      { matchStatus: 'false_positive', totalHits: 2, hits: [hit(['pep'], true), hit(['sanction'], true)] },
      'clear',
      'NO_HITS',
    ],
    [
      'no_match with an open hit',
      { matchStatus: 'no_match', totalHits: 2, hits: [hit(['pep'], true), hit(['sanction'])] },
      'hits',
      'HITS',
    ],
    [
      'no_match, whitelisted hits but more not carried',
      { matchStatus: 'no_match', totalHits: 150, hits: Array(100).fill(hit([], true)) as CaClassicHit[] },
      'hits',
      'HITS',
    ],
    ['no_match, hits counted but not carried', { matchStatus: 'no_match', totalHits: 3 }, 'hits', 'HITS'],
    ['no_match, hits not countable', { matchStatus: 'no_match' }, 'unrecognised', undefined],
    [
      'potential_match',
      { matchStatus: 'potential_match', totalHits: 1, hits: [hit(['sanction'])] },
      'hits',
      'HITS',
    ],
    [
      'potential_match, every hit whitelisted',
      { matchStatus: 'potential_match', totalHits: 1, hits: [hit([], true)] },
      'hits',
      'NO_HITS',
    ],
    ['true_positive', { matchStatus: 'true_positive', totalHits: 1 }, 'hits', 'HITS'],
    ['unknown', { matchStatus: 'unknown', totalHits: 1 }, 'hits', 'HITS'],
    [
      'true_positive_reject: a person decides',
      { matchStatus: 'true_positive_reject', totalHits: 1 },
      'hits',
      'HITS',
    ],
    ['true_positive_approve', { matchStatus: 'true_positive_approve', totalHits: 1 }, 'unrecognised', 'HITS'],
    [
      'a status the reference does not know',
      { matchStatus: 'escalated', totalHits: 0 },
      'unrecognised',
      'NO_HITS',
    ],
    ['no status at all', { totalHits: 0 }, 'unrecognised', 'NO_HITS'],
  ])('%s', (_name, over, outcome, screeningResult) => {
    expect(screeningOutcomeOf(search(over))).toBe(outcome);
    expect(screeningResultOf(search(over))).toBe(screeningResult);
  });

  it('gives the open hits’ types once each, and words without a name', () => {
    const s = search({
      matchStatus: 'potential_match',
      riskLevel: 'medium',
      totalHits: 3,
      hits: [hit(['sanction', 'pep']), hit(['pep', 'adverse-media']), hit(['warning'], true)],
    });
    expect(amlTypesOf(s)).toEqual(['sanction', 'pep', 'adverse-media']);
    expect(providerWordsOf(s)).toBe(
      'match_status potential_match, risk_level medium, 2 hits (1 whitelisted)',
    );
    expect(
      providerWordsOf(search({ matchStatus: 'potential_match', riskLevel: 'unknown', totalHits: 1 })),
    ).toBe('match_status potential_match, risk_level unknown, 1 hit');
    expect(providerWordsOf(search({}))).toBe('match_status (none), risk_level (none), hits unknown');
  });
});

describe('caseVerdictOf and decisionTypeOf', () => {
  it.each([
    ['potential_match', 'open', null],
    ['unknown', 'open', null],
    ['no_match', 'approved', 'no_match'],
    ['false_positive', 'approved', 'false_positive'],
    ['true_positive_approve', 'approved', 'true_positive_approve'],
    ['true_positive_reject', 'rejected', 'true_positive_reject'],
    ['true_positive', 'partial', 'true_positive'],
    ['escalated', 'unrecognised', 'escalated'],
    [undefined, 'unrecognised', null],
  ])('%s → %s', (matchStatus, verdict, decisionType) => {
    const s = search(matchStatus !== undefined ? { matchStatus } : {});
    expect(caseVerdictOf(s)).toBe(verdict);
    expect(decisionTypeOf(s)).toBe(decisionType);
  });

  it("trusts an analyst's dismissal even while hits stay open (the search-level status is the decision)", () => {
    expect(caseVerdictOf(search({ matchStatus: 'false_positive', totalHits: 2, hits: [hit(['pep'])] }))).toBe(
      'approved',
    );
  });
});

describe('reading a search back', () => {
  it('proves a search ours by client_ref, else by our tag; unknown with neither', () => {
    expect(ownershipOf(search({ clientRef: 'E' }), 'E', undefined)).toBe('ours');
    expect(ownershipOf(search({ clientRef: 'F', tags: { kyc: 'E' } }), 'E', 'kyc')).toBe('theirs');
    expect(ownershipOf(search({ tags: { kyc: 'E' } }), 'E', 'kyc')).toBe('ours');
    expect(ownershipOf(search({ tags: { kyc: 'F' } }), 'E', 'kyc')).toBe('theirs');
    expect(ownershipOf(search({ tags: { kyc: 'E' } }), 'E', undefined)).toBe('unknown');
    expect(ownershipOf(search({}), 'E', 'kyc')).toBe('unknown');
  });

  it('reads created_at without a zone as UTC, with one as written', () => {
    expect(createdAtMs(search({ createdAt: '2019-04-01 08:49:42' }))).toBe(
      Date.parse('2019-04-01T08:49:42Z'),
    );
    expect(createdAtMs(search({ createdAt: '2019-04-01T08:49:42+01:00' }))).toBe(
      Date.parse('2019-04-01T07:49:42Z'),
    );
    expect(createdAtMs(search({ createdAt: 'yesterday' }))).toBeUndefined();
    expect(createdAtMs(search({}))).toBeUndefined();
  });

  it('asks for a tag value only when the filter can carry it', () => {
    expect(tagFilterOf('kyc', 'CUST-1')).toBe('kyc:CUST-1');
    expect(tagFilterOf('kyc', 'a,b')).toBeUndefined();
    expect(tagFilterOf('kyc', 'a:b')).toBeUndefined();
    expect(tagFilterOf(undefined, 'CUST-1')).toBeUndefined();
  });

  it('rebuilds a minimal customer from the search term', () => {
    expect(
      customerFromSearch(
        search({ searchTerm: { first_name: 'Ada', middle_names: 'K', last_name: 'Lovelace' } }),
        'E',
      ),
    ).toEqual({
      external_identifier: 'E',
      person: { first_name: 'Ada', middle_name: 'K', last_name: 'Lovelace' },
    });
    expect(customerFromSearch(search({ searchTerm: 'Ada Lovelace' }), 'E')).toEqual({
      external_identifier: 'E',
      person: { full_name: 'Ada Lovelace' },
    });
    expect(
      customerFromSearch(search({ searchTerm: 'A Bad Company Ltd', entityType: 'company' }), 'E'),
    ).toEqual({
      external_identifier: 'E',
      company: { legal_name: 'A Bad Company Ltd' },
    });
    expect(customerFromSearch(search({}), 'E')).toEqual({ external_identifier: 'E' });
  });
});

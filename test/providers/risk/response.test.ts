import { parseRiskAnswer } from '../../../src/providers/risk/response';

/** The check's answer read leniently: open sets kept, unknown fields ignored, only a missing level unreadable. */

describe('parseRiskAnswer', () => {
  it('reads the fields the project uses and ignores the rest', () => {
    expect(
      parseRiskAnswer(200, {
        customerId: 'rc_1',
        caseId: 'case_1',
        caseStatus: 'open',
        riskLevel: 'High',
        riskPoints: 81.5,
        riskFactors: [{ factor: 'country', points: 30 }, 'pep'],
        createdAt: '2025-06-01T12:00:00Z',
        updatedAt: '2025-06-02T12:00:00Z',
        checkDate: '2025-06-02',
        lastScoredTime: '12:00',
        timestamp: '1717243200',
        birthDate: '1815-12-10',
        nonStrictParsingMode: false,
        somethingNew: { nested: true },
        format: 'v2',
      }),
    ).toEqual({
      kind: 'scored',
      riskLevel: 'High',
      riskPoints: 81.5,
      riskFactors: [{ factor: 'country', points: 30 }, 'pep'],
      customerId: 'rc_1',
      caseId: 'case_1',
      caseStatus: 'open',
      timestamps: {
        createdAt: '2025-06-01T12:00:00Z',
        updatedAt: '2025-06-02T12:00:00Z',
        checkDate: '2025-06-02',
        lastScoredTime: '12:00',
        timestamp: '1717243200',
      },
    });
  });

  it('keeps levels and case statuses it does not know, as received', () => {
    expect(parseRiskAnswer(200, { riskLevel: 'severe', caseStatus: 'escalated-to-mlro' })).toEqual({
      kind: 'scored',
      riskLevel: 'severe',
      caseStatus: 'escalated-to-mlro',
    });
  });

  it('drops a field of an unexpected type instead of failing the answer', () => {
    expect(
      parseRiskAnswer(201, {
        riskLevel: 'low',
        riskPoints: 'many',
        customerId: 42,
        caseId: { id: 'x' },
        caseStatus: ['open'],
        riskFactors: null,
        createdAt: 1717243200,
      }),
    ).toEqual({ kind: 'scored', riskLevel: 'low', customerId: '42' });
    expect(parseRiskAnswer(200, { riskLevel: 'low', riskPoints: ' 12 ' })).toMatchObject({ riskPoints: 12 });
  });

  it.each<[string, unknown]>([
    ['no riskLevel', { caseStatus: 'open', customerId: 'rc_1' }],
    ['an empty riskLevel', { riskLevel: '  ' }],
    ['a riskLevel of another type', { riskLevel: 3 }],
    ['an array', [{ riskLevel: 'low' }]],
    ['no JSON at all', undefined],
    ['a string', 'low'],
  ])('answers unscored for %s, naming the status', (_what, body) => {
    const result = parseRiskAnswer(200, body);
    expect(result.kind).toBe('unscored');
    expect(result.kind === 'unscored' && result.reason).toMatch(/^200 answer without a readable/);
  });
});

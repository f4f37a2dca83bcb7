import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  caseIdFor,
  customerIdFor,
  DEFAULT_RISK_API_KEY,
  RISK_DEFAULT_RULE,
  RISK_NAME_RULES,
  startRiskSandbox,
  type RiskCheckAnswer,
  type RiskErrorBody,
  type RiskSandbox,
} from '../../src/sandbox/risk';
import { RiskSandboxControl } from '../../testkit/risk-sandbox-control';

/**
 * The risk sandbox: the name table, the record replaced by each check, the 425 rule, the api-key, the body
 * validation, the analyst's case route, every fault knob, the request log and counters, and that
 * docs/providers/risk.md prints the table the code applies.
 */

const CHECK = '/v2/customer-checks/check';
let sequence = 0;
const newId = (prefix = 'RS') => `${prefix}-${process.pid}-${++sequence}`;

interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

describe('risk sandbox', () => {
  let sandbox: RiskSandbox;
  let control: RiskSandboxControl;

  beforeAll(async () => {
    sandbox = await startRiskSandbox({ apiKey: 'rk-test' });
    control = new RiskSandboxControl(sandbox.url);
  });
  afterAll(() => sandbox.close());
  beforeEach(() => control.reset());

  async function post<T = RiskCheckAnswer>(
    body: unknown,
    apiKey: string | null = 'rk-test',
  ): Promise<Answer<T>> {
    const response = await fetch(`${sandbox.url}${CHECK}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(apiKey !== null && { 'api-key': apiKey }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text === '' ? undefined : JSON.parse(text)) as T,
    };
  }

  const person = (lastName: string, externalId = newId(), extra: Record<string, unknown> = {}) => ({
    externalId,
    customerType: 'person',
    person: { firstName: 'Ada', lastName },
    ...extra,
  });
  const company = (legalName: string, externalId = newId('CO')) => ({
    externalId,
    customerType: 'company',
    company: { legalName },
  });

  describe('the name table', () => {
    it.each<[string, Record<string, unknown>, string, string, number]>([
      ['a name with High', person('Highmore'), 'high', 'open', 80],
      ['a name with Severe', person('Severeson'), 'severe', 'not-opened', 95],
      ['a name with Medium', person('Mediumbridge'), 'medium', 'not-opened', 45],
      ['anyone else', person('Lovelace'), 'low', 'not-opened', 10],
      ['lower-case high (case-sensitive)', person('highmore'), 'low', 'not-opened', 10],
      ['a company', company('Acme Trading Ltd'), 'low', 'not-opened', 10],
      ['a company whose name says High', company('High Seas Shipping'), 'high', 'open', 80],
      ['Severe before High', person('Severe-High'), 'severe', 'not-opened', 95],
      [
        'a full name',
        { externalId: newId(), customerType: 'person', person: { fullName: 'Mia Medium' } },
        'medium',
        'not-opened',
        45,
      ],
    ])('scores %s', async (_what, body, riskLevel, caseStatus, riskPoints) => {
      const answer = await post(body);
      expect(answer.status).toBe(200);
      const externalId = body.externalId as string;
      expect(answer.body).toEqual({
        customerId: customerIdFor(externalId),
        ...(caseStatus === 'open' && { caseId: caseIdFor(externalId) }),
        caseStatus,
        riskLevel,
        riskPoints,
        riskFactors: [expect.objectContaining({ factor: 'sandbox-name-rule', points: riskPoints })],
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        updatedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        nonStrictParsingMode: false,
      });
    });

    it('adds a factor and points, not a level, for a declared PEP', async () => {
      const answer = await post(person('Lovelace', newId(), { declaredPep: true }));
      expect(answer.body.riskLevel).toBe('low');
      expect(answer.body.riskPoints).toBe(20);
      expect(answer.body.riskFactors.map((f) => f.factor)).toEqual(['sandbox-name-rule', 'declared-pep']);
    });

    it('is the table docs/providers/risk.md prints', () => {
      const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'providers', 'risk.md'), 'utf8');
      const rows = [
        ...doc.matchAll(/^\| contains `(\w+)`[^|]*\| `([\w-]+)` +\| (\d+) +\| `([\w-]+)` +\|/gm),
      ].map((m) => ({
        word: m[1],
        riskLevel: m[2],
        riskPoints: Number(m[3]),
        caseStatus: m[4],
      }));
      expect(rows).toEqual(RISK_NAME_RULES.map((r) => ({ ...r })));
      expect(doc).toMatch(
        new RegExp(
          `^\\| anyone else[^|]*\\| \`${RISK_DEFAULT_RULE.riskLevel}\` +\\| ${RISK_DEFAULT_RULE.riskPoints} +\\| \`${RISK_DEFAULT_RULE.caseStatus}\` +\\|`,
          'm',
        ),
      );
    });
  });

  describe('customers', () => {
    it('keeps one customerId per externalId, and replaces the stored record with each check', async () => {
      await control.settings({ tooEarlyMs: 0 });
      const id = newId();
      const first = await post(person('Lovelace', id, { email: 'ada@example.com', nationalities: ['GB'] }));
      const second = await post(person('Lovelace', id, { customerId: first.body.customerId }));
      expect(second.body.customerId).toBe(first.body.customerId);
      expect(second.body.createdAt).toBe(first.body.createdAt);
      const stored = await control.customer(id);
      expect(stored.checks).toBe(2);
      // Replaced, not merged: what the second call left out is gone.
      expect(stored.record).toEqual(person('Lovelace', id, { customerId: first.body.customerId }));
      await control.reset();
      expect((await post(person('Lovelace', id))).body.customerId).toBe(first.body.customerId);
    });

    it('refuses a customerId that is not this externalId’s with 404', async () => {
      const answer = await post<RiskErrorBody>(
        person('Lovelace', newId(), { customerId: 'rc_someone-else' }),
      );
      expect(answer.status).toBe(404);
      expect(answer.body.error).toBe('customer_not_found');
    });
  });

  describe('the analyst’s case route', () => {
    it('closes a case, sets new statuses and levels, and removes the case with not-opened', async () => {
      const id = newId();
      await control.settings({ tooEarlyMs: 0 });
      expect((await post(person('Highmore', id))).body).toMatchObject({
        caseStatus: 'open',
        caseId: caseIdFor(id),
      });

      await control.setCase(id, { caseStatus: 'closed' });
      expect((await post(person('Highmore', id))).body).toMatchObject({
        caseStatus: 'closed',
        caseId: caseIdFor(id),
        riskLevel: 'high',
      });

      const seen = await control.setCase(id, {
        caseStatus: 'escalated',
        riskLevel: 'critical',
        riskPoints: 99,
      });
      expect(seen).toMatchObject({
        caseStatus: 'escalated',
        riskLevelOverride: 'critical',
        riskPointsOverride: 99,
      });
      expect((await post(person('Highmore', id))).body).toMatchObject({
        caseStatus: 'escalated',
        riskLevel: 'critical',
        riskPoints: 99,
      });

      await control.setCase(id, { caseStatus: 'not-opened', riskLevel: null, riskPoints: null });
      const after = await post(person('Lovelace', id));
      expect(after.body).toMatchObject({ caseStatus: 'not-opened', riskLevel: 'low', riskPoints: 10 });
      expect(after.body.caseId).toBeUndefined();
    });

    it('may open a case before the first check, and 404s for a customer it does not hold', async () => {
      const id = newId();
      await expect(control.customer(id)).rejects.toThrow(/404/);
      await control.setCase(id, { caseStatus: 'open' });
      expect((await post(person('Lovelace', id))).body).toMatchObject({
        riskLevel: 'low',
        caseStatus: 'open',
        caseId: caseIdFor(id),
      });
      await expect(control.setCase(id, { caseStatus: '' })).rejects.toThrow(/400/);
    });
  });

  describe('425 Too Early', () => {
    it('refuses a second check of one customer within 1 s, not another customer, and accepts it after 1 s', async () => {
      const id = newId();
      expect((await post(person('Lovelace', id))).status).toBe(200);
      const early = await post<RiskErrorBody>(person('Lovelace', id));
      expect(early.status).toBe(425);
      expect(early.body.error).toBe('too_early');
      expect((await post(person('Lovelace'))).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_050));
      expect((await post(person('Lovelace', id))).status).toBe(200);
      expect((await control.stats()).tooEarly).toBe(1);
      expect((await control.customer(id)).checks).toBe(2);
    });

    it('can be switched off with tooEarlyMs 0', async () => {
      await control.settings({ tooEarlyMs: 0 });
      const id = newId();
      for (let i = 0; i < 3; i += 1) expect((await post(person('Lovelace', id))).status).toBe(200);
    });
  });

  describe('authentication and validation', () => {
    it.each([
      ['no key', null],
      ['a wrong key', 'rk-wrong'],
      ['the default key of another sandbox', DEFAULT_RISK_API_KEY],
    ])('answers 401 for %s, before reading the body', async (_what, key) => {
      const answer = await post<RiskErrorBody>(person('Lovelace'), key);
      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe('unauthorized');
      expect((await control.stats()).customers).toBe(0);
    });

    it('answers 400 with every field error, naming fields and never values', async () => {
      const answer = await post<RiskErrorBody>({
        externalId: 'X-1',
        customerType: 'person',
        person: { firstName: 'Ada', dateOfBirth: 'tenth-of-december' },
        nationalities: [],
        shoeSize: 42,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_request');
      expect(answer.body.fields?.map((f) => f.field).sort()).toEqual([
        'nationalities',
        'person.dateOfBirth',
        'shoeSize',
      ]);
      expect(JSON.stringify(answer.body)).not.toContain('tenth-of-december');

      const company = await post<RiskErrorBody>({ externalId: 'X-2', customerType: 'company' });
      expect(company.body.fields).toEqual([
        { field: 'company', message: 'a company needs company.legalName' },
      ]);
      const malformed = await post<RiskErrorBody>('{"externalId": ');
      expect(malformed.status).toBe(400);
    });
  });

  describe('faults', () => {
    it('answers N server errors with the status asked for, then scores', async () => {
      await control.settings({ tooEarlyMs: 0 });
      await control.addFault({ kind: 'server-error', status: 503, count: 2 });
      const id = newId();
      expect((await post(person('Lovelace', id))).status).toBe(503);
      expect((await post(person('Lovelace', id))).status).toBe(503);
      expect((await post(person('Lovelace', id))).status).toBe(200);
      expect(await control.faults()).toEqual([
        expect.objectContaining({ kind: 'server-error', remaining: 0, applied: 2 }),
      ]);
    });

    it('answers 429 with Retry-After', async () => {
      await control.addFault({ kind: 'rate-limit', retryAfterSeconds: 4, count: 1 });
      const answer = await post(person('Lovelace'));
      expect(answer.status).toBe(429);
      expect(answer.headers.get('retry-after')).toBe('4');
      expect((await post(person('Lovelace'))).status).toBe(200);
    });

    it('answers 202 for N requests, storing the record without a score', async () => {
      await control.settings({ tooEarlyMs: 0 });
      await control.addFault({ kind: 'accepted', count: 2 });
      const id = newId();
      expect((await post(person('Lovelace', id))).status).toBe(202);
      expect((await post(person('Lovelace', id))).status).toBe(202);
      expect((await post(person('Lovelace', id))).status).toBe(200);
      expect((await control.stats()).accepted).toBe(2);
      expect((await control.customer(id)).checks).toBe(3);
    });

    it('limits a fault to one customer', async () => {
      const target = newId();
      await control.addFault({ kind: 'server-error', externalId: target });
      expect((await post(person('Lovelace'))).status).toBe(200);
      expect((await post(person('Lovelace', target))).status).toBe(500);
    });

    it('loses the answer after doing the work: the connection drops, the check counts for the 425 rule', async () => {
      await control.addFault({ kind: 'lost-response', count: 1 });
      const id = newId();
      await expect(post(person('Highmore', id))).rejects.toThrow();
      const stored = await control.customer(id);
      expect(stored).toMatchObject({ checks: 1, caseStatus: 'open' });
      expect((await post(person('Highmore', id))).status).toBe(425);
      const log = await control.requests({ externalId: id });
      expect(log.map((e) => [e.status, e.lost ?? false])).toEqual([
        [200, true],
        [425, false],
      ]);
    });

    it('adds latency', async () => {
      await control.addFault({ kind: 'latency', latencyMs: 300, count: 1 });
      const started = Date.now();
      expect((await post(person('Lovelace'))).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect((await control.stats()).faultsInjected).toEqual({ latency: 1 });
    });

    it('is down (every request 503) until cleared', async () => {
      await control.down();
      expect((await post(person('Lovelace'))).status).toBe(503);
      expect((await post(person('Lovelace'), 'rk-wrong')).status).toBe(503);
      await control.down(false);
      expect((await post(person('Lovelace'))).status).toBe(200);
    });

    it('refuses a fault it does not know or cannot apply', async () => {
      await expect(control.request('POST', '/faults', { kind: 'explode' })).rejects.toThrow(/400/);
      await expect(control.addFault({ kind: 'latency' })).rejects.toThrow(/latencyMs/);
      await expect(control.addFault({ kind: 'accepted', status: 503 })).rejects.toThrow(/status/);
    });
  });

  describe('the request log, counters and reset', () => {
    it('logs method, path, externalId and status only, and counts by status', async () => {
      const id = newId();
      await post(person('Lovelace', id, { email: 'ada@example.com' }));
      await post(person('Lovelace', id, { email: 'ada@example.com' }));
      await post(person('Lovelace'), null);
      const log = await control.requests();
      expect(log.map(({ at: _at, ...rest }) => rest)).toEqual([
        { method: 'POST', path: CHECK, externalId: id, status: 200 },
        { method: 'POST', path: CHECK, externalId: id, status: 425 },
        { method: 'POST', path: CHECK, status: 401 },
      ]);
      expect(JSON.stringify(log)).not.toMatch(/Lovelace|ada@example/);
      const stats = await control.stats();
      expect(stats).toMatchObject({
        requests: 3,
        byStatus: { '200': 1, '425': 1, '401': 1 },
        tooEarly: 1,
        customers: 1,
      });

      await control.resetStats();
      expect((await control.stats()).requests).toBe(0);
      expect((await control.stats()).customers).toBe(1);
      await control.reset();
      expect(await control.requests()).toEqual([]);
      expect((await control.stats()).customers).toBe(0);
    });

    it('restores the start settings on reset', async () => {
      await control.settings({ latencyMs: { min: 1, max: 2 }, down: true, tooEarlyMs: 0 });
      await control.reset();
      expect(await control.getSettings()).toEqual({
        latencyMs: { min: 0, max: 0 },
        down: false,
        tooEarlyMs: 1_000,
      });
      expect(sandbox.settings().down).toBe(false);
    });
  });
});

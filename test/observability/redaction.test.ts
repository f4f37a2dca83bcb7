import { Writable } from 'node:stream';
import { createBridgeLogger } from '../../src/bridge/logger';
import {
  createLogger,
  isoTime,
  redact,
  REDACT_KEYS,
  REDACTED,
  type PinoLogger,
} from '../../src/platform/logging/logger';
import { PinoTemporalLogger } from '../../src/platform/logging/temporal-logger';

/** A logger writing into memory; `lines()` returns what it wrote, parsed, and `text()` the raw output. */
function capture(
  make: (stream: Writable) => PinoLogger = (stream) =>
    createLogger({ name: 'test', level: 'trace', destination: stream }),
) {
  let output = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString('utf8');
      done();
    },
  });
  const logger = make(stream);
  return {
    logger,
    text: () => output,
    lines: () =>
      output
        .trim()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Every value here is personal data or a secret: none may appear in any log line. */
const SECRETS = {
  name: 'Victor Bout',
  firstName: 'Victor',
  lastName: 'Bout',
  dateOfBirth: '1967-01-13',
  addressLine: '12 Secret Street',
  postalCode: 'SW1A 9ZZ',
  email: 'victor@example.com',
  phone: '+44 20 7946 0000',
  nationalId: 'AB123456C',
  legalName: 'Bout Aviation Holdings',
  password: 'hunter2-password',
  token: 'eyJhbGciOiJIUzI1NiJ9.token-value',
  webhookSecret: 'whsec_c2VjcmV0LXZhbHVl',
  authorization: 'Bearer bearer-token-value',
  signature: 'v1,c2lnbmF0dXJlLXZhbHVl',
  bodyText: 'body-with-notes',
  payloadText: 'payload-with-notes',
} as const;

/** A Mesh customer as create-and-screen takes it (guide Appendix B), with every personal field filled. */
const meshCustomer = {
  external_identifier: 'EXT-4711',
  person: {
    first_name: SECRETS.firstName,
    last_name: SECRETS.lastName,
    full_name: SECRETS.name,
    date_of_birth: SECRETS.dateOfBirth,
    nationality: 'RU',
    address: [{ address_line1: SECRETS.addressLine, postal_code: SECRETS.postalCode, country: 'GB' }],
    contact_information: { email_address: SECRETS.email, phone_number: SECRETS.phone },
    personal_identification: [{ number: SECRETS.nationalId }],
  },
  company: { legal_name: SECRETS.legalName },
};

const IDENTIFIERS = {
  externalIdentifier: 'EXT-4711',
  caseIdentifier: 'case-0b1c2d3e',
  customerIdentifier: 'cust-9f8e7d6c',
  webhookId: 'msg_2hXyz',
};

function expectNoSecrets(text: string): void {
  for (const [field, value] of Object.entries(SECRETS)) {
    expect({ field, leaked: text.includes(value) }).toEqual({ field, leaked: false });
  }
}

function expectIdentifiers(text: string): void {
  for (const value of Object.values(IDENTIFIERS)) expect(text).toContain(value);
}

describe('log redaction', () => {
  it('censors personal data and secrets at the top level and keeps identifiers', () => {
    const { logger, text } = capture();
    logger.info(
      {
        ...IDENTIFIERS,
        customer: meshCustomer,
        name: SECRETS.name,
        first_name: SECRETS.firstName,
        lastName: SECRETS.lastName,
        date_of_birth: SECRETS.dateOfBirth,
        address: SECRETS.addressLine,
        email_address: SECRETS.email,
        password: SECRETS.password,
        token: SECRETS.token,
        secret: SECRETS.webhookSecret,
        authorization: SECRETS.authorization,
        signature: SECRETS.signature,
        body: SECRETS.bodyText,
        payload: SECRETS.payloadText,
      },
      'top level',
    );
    expectNoSecrets(text());
    expectIdentifiers(text());
  });

  it('censors them nested in objects and arrays at any depth', () => {
    const { logger, text, lines } = capture();
    logger.warn(
      {
        ...IDENTIFIERS,
        request: { input: { customer: meshCustomer } },
        people: [{ person: meshCustomer.person }, { details: { dateOfBirth: SECRETS.dateOfBirth } }],
        update: { customer: { person: { last_name: SECRETS.lastName } } },
        deep: { a: { b: { c: { d: { e: { email: SECRETS.email, addresses: [SECRETS.addressLine] } } } } } },
        config: { webhookSecrets: [SECRETS.webhookSecret], mesh: { password: SECRETS.password } },
        http: { headers: { authorization: SECRETS.authorization, 'webhook-signature': SECRETS.signature } },
        webhook: { body: SECRETS.bodyText, payload: { notes: SECRETS.payloadText } },
        tokens: [{ accessToken: SECRETS.token }],
        contacts: [[{ phone_number: SECRETS.phone }]],
        company: { legal_name: SECRETS.legalName },
        ids: [{ national_id: SECRETS.nationalId }],
      },
      'nested',
    );
    expectNoSecrets(text());
    expectIdentifiers(text());
    const [line] = lines();
    expect(line).toMatchObject({
      request: { input: { customer: REDACTED } },
      people: [{ person: REDACTED }, {}],
    });
  });

  it('censors fields given to child loggers as bindings', () => {
    const { logger, text } = capture();
    logger
      .child({ customer: meshCustomer, ...IDENTIFIERS, secret: SECRETS.webhookSecret })
      .info({ nested: { email_address: SECRETS.email } }, 'child');
    expectNoSecrets(text());
    expectIdentifiers(text());
  });

  it('censors webhook signatures, authorization and the body of a logged request', () => {
    const { logger, text } = capture((stream) => createBridgeLogger('info', stream));
    logger.info(
      {
        req: {
          headers: {
            'webhook-signature': SECRETS.signature,
            'x-complyadvantage-signature': SECRETS.signature,
            authorization: SECRETS.authorization,
            cookie: SECRETS.token,
          },
          body: { customer: meshCustomer },
        },
        ...IDENTIFIERS,
      },
      'request',
    );
    expectNoSecrets(text());
    expectIdentifiers(text());
  });

  it('names every field in the list the developers guide requires (secrets, names, DOB, addresses, emails)', () => {
    expect(REDACT_KEYS).toEqual(
      expect.arrayContaining([
        'secret',
        'password',
        'token',
        'authorization',
        'signature',
        'customer',
        'person',
        'company',
        'name',
        'dateOfBirth',
        'address',
        'emailAddress',
        'body',
        'payload',
      ]),
    );
  });

  it('keeps the process name, level, time and message of each line', () => {
    const { logger, lines } = capture((stream) =>
      createLogger({ name: 'worker', level: 'info', destination: stream }),
    );
    logger.debug('not written at info');
    logger.info({ ...IDENTIFIERS }, 'written');
    expect(lines()).toEqual([
      expect.objectContaining({ name: 'worker', level: 30, msg: 'written', time: expect.any(String) }),
    ]);
    const time = String(lines()[0]?.time);
    expect(time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Math.abs(Date.parse(time) - Date.now())).toBeLessThan(60_000);
  });

  it('formats the time once per millisecond and again as soon as the millisecond changes', () => {
    let now = Date.UTC(2026, 11, 1, 17, 43, 2, 123);
    const time = isoTime(() => now);
    expect(time()).toBe(',"time":"2026-12-01T17:43:02.123Z"');
    expect(time()).toBe(',"time":"2026-12-01T17:43:02.123Z"');
    now += 1;
    expect(time()).toBe(',"time":"2026-12-01T17:43:02.124Z"');
    now -= 5_000;
    expect(time()).toBe(',"time":"2026-12-01T17:42:57.124Z"');
  });

  it('copies nothing when there is nothing to censor, and never changes the object it was given', () => {
    const clean = { ...IDENTIFIERS, outcome: 'signalled', nested: { list: [1, { stage: 'review' }] } };
    expect(redact(clean)).toBe(clean);

    const given = { ...IDENTIFIERS, nested: { list: [{ email: SECRETS.email }] }, keep: { a: 1 } };
    const redacted = redact(given) as typeof given;
    expect(redacted).toEqual({ ...IDENTIFIERS, nested: { list: [{ email: REDACTED }] }, keep: { a: 1 } });
    expect(given.nested.list[0]?.email).toBe(SECRETS.email);
  });

  it('censors a key however it is cased or separated, the first time and every time after', () => {
    for (let i = 0; i < 3; i++) {
      expect(redact({ 'Date-Of-Birth': SECRETS.dateOfBirth, EMAIL: SECRETS.email, fine: 1 })).toEqual({
        'Date-Of-Birth': REDACTED,
        EMAIL: REDACTED,
        fine: 1,
      });
    }
  });
});

describe('Temporal logger adapter', () => {
  it('routes SDK, workflow and activity log calls into the JSON log with their metadata, redacted', () => {
    const { logger, text, lines } = capture();
    const temporal = new PinoTemporalLogger(logger);
    temporal.info('Workflow started', {
      sdkComponent: 'workflow',
      workflowId: `onboarding-${IDENTIFIERS.externalIdentifier}`,
      workflowType: 'onboardCustomer',
      [Symbol.for('log_timestamp')]: 1n,
    });
    temporal.warn('activity failed', {
      sdkComponent: 'activity',
      activityType: 'createAndScreen',
      ...IDENTIFIERS,
      input: { customer: meshCustomer },
      error: new Error('Mesh answered 503'),
    });
    temporal.error('core says', { sdkComponent: 'core', target: 'temporal_sdk_core' });
    temporal.trace('trace line', { sdkComponent: 'worker' });

    expect(lines()).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'Workflow started',
        sdkComponent: 'workflow',
        workflowType: 'onboardCustomer',
      }),
      expect.objectContaining({
        level: 40,
        msg: 'activity failed',
        activityType: 'createAndScreen',
        error: expect.objectContaining({ message: 'Mesh answered 503', type: 'Error' }),
      }),
      expect.objectContaining({ level: 50, msg: 'core says', sdkComponent: 'core' }),
      expect.objectContaining({ level: 10, msg: 'trace line' }),
    ]);
    expectNoSecrets(text());
    expectIdentifiers(text());
  });

  it('drops lines below the configured level', () => {
    const { logger, lines } = capture((stream) =>
      createLogger({ name: 'worker', level: 'warn', destination: stream }),
    );
    const temporal = new PinoTemporalLogger(logger);
    temporal.info('too chatty');
    temporal.debug('too chatty');
    temporal.warn('kept');
    expect(lines().map((line) => line.msg)).toEqual(['kept']);
  });
});

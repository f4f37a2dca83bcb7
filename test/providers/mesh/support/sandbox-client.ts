import { randomUUID } from 'node:crypto';
import got from 'got';
import { Secret, type MeshConfig } from '../../../../src/providers/mesh/config';
import { createMeshClient, type MeshClientOptions } from '../../../../src/providers/mesh/client';
import type { MeshLogger } from '../../../../src/providers/mesh/http';
import type { MeshApi } from '../../../../src/providers/mesh/api';
import { createMeshWebhooks, type MeshWebhooks } from '../../../../src/providers/mesh/webhooks';
import { createTokenProvider } from '../../../../src/providers/mesh/token-provider';
import type { CreateAndScreenInput } from '../../../../src/contracts/screening-activities';
import type { MeshCustomer } from '../../../../src/contracts/customer';
import {
  startSandbox,
  type FaultBody,
  type Sandbox,
  type SandboxOptions,
  type SettingsPatchBody,
} from '../../../../src/sandbox/mesh';

/**
 * The real Mesh sandbox (src/sandbox) in-process, driven through its documented /_sandbox control
 * routes (docs/sandbox.md), and a client configured against it. `settings` and `fault` take the bodies
 * the sandbox validates, typed, so a misspelt knob fails to compile instead of answering 400.
 */
export interface SandboxHarness {
  sandbox: Sandbox;
  config: MeshConfig;
  control: typeof got;
  /** The screening client and the webhook administration, sharing one token (as one process would). */
  client(
    overrides?: Partial<Omit<MeshClientOptions, 'config'>> & { config?: Partial<MeshConfig> },
  ): MeshApi & MeshWebhooks;
  reset(): Promise<void>;
  settings(patch: SettingsPatchBody): Promise<void>;
  fault(fault: FaultBody): Promise<void>;
  stats(): Promise<{ byRoute: Record<string, number>; byStatus: Record<string, number> }>;
  customerCount(externalIdentifier: string): Promise<number>;
}

export async function startHarness(options: SandboxOptions = {}): Promise<SandboxHarness> {
  // Unlimited unless a test sets a limit: the account limit is exercised by injected 429s here.
  const sandbox = await startSandbox({ port: 0, rateLimitPerMinute: 0, logLevel: 'silent', ...options });
  const control = got.extend({
    prefixUrl: `${sandbox.url}/_sandbox`,
    responseType: 'json',
    retry: { limit: 0 },
  });
  const config: MeshConfig = {
    baseUrl: sandbox.url,
    screeningConfigurationId: 'sandbox-default',
    credentials: { kind: 'access-key', accessKey: 'mesh-client-tests', secret: new Secret('sandbox') },
    rateLimitPerMinute: 300,
    requestTimeoutMs: 2_000,
  };
  return {
    sandbox,
    config,
    control,
    client: (overrides = {}) => {
      const options = { ...overrides, config: { ...config, ...overrides.config } };
      const tokenProvider = options.tokenProvider ?? createTokenProvider(options);
      return {
        ...createMeshClient({ ...options, tokenProvider }),
        ...createMeshWebhooks({ ...options, tokenProvider }),
      };
    },
    reset: async () => {
      await control.post('reset', { json: {} });
    },
    settings: async (patch) => {
      await control.patch('settings', { json: patch });
    },
    fault: async (fault) => {
      await control.post('faults', { json: fault });
    },
    stats: async () =>
      (await control.get('stats')).body as unknown as {
        byRoute: Record<string, number>;
        byStatus: Record<string, number>;
      },
    customerCount: async (externalIdentifier) => {
      const body = (
        await control.get('customers', { searchParams: { external_identifier: externalIdentifier } })
      ).body as unknown as {
        customers: unknown[];
      };
      return body.customers.length;
    },
  };
}

/**
 * Registers a describe block's (or file's) hooks for one sandbox: started before all its tests, reset
 * before each, closed after all. The harness it returns stands for the one started, so it can be
 * declared where the tests are, and used in them and in later hooks.
 */
export function useSandboxHarness(options: SandboxOptions = {}): SandboxHarness {
  let started: SandboxHarness | undefined;
  const current = (): SandboxHarness => {
    if (started === undefined) throw new Error('the sandbox starts in beforeAll: use it in tests and hooks');
    return started;
  };
  beforeAll(async () => {
    started = await startHarness(options);
  });
  afterAll(async () => {
    await started?.sandbox.close();
  });
  beforeEach(async () => {
    await current().reset();
  });
  return {
    get sandbox() {
      return current().sandbox;
    },
    get config() {
      return current().config;
    },
    get control() {
      return current().control;
    },
    client: (overrides) => current().client(overrides),
    reset: () => current().reset(),
    settings: (patch) => current().settings(patch),
    fault: (fault) => current().fault(fault),
    stats: () => current().stats(),
    customerCount: (externalIdentifier) => current().customerCount(externalIdentifier),
  };
}

/** The createAndScreen input the tests send: the sandbox's screening configuration, monitoring on. */
export function screenInput(
  customer: MeshCustomer = guidePerson('Test CleanUser'),
  monitoringEnabled = true,
): CreateAndScreenInput {
  return { customer, screeningConfigurationIdentifier: 'sandbox-default', monitoringEnabled };
}

export function externalId(prefix = 'CUST'): string {
  return `${prefix}-${randomUUID()}`;
}

/** The guide's sample individuals (Testing Your Integration), in the guide's layout (Appendix B). */
export function guidePerson(name: string, externalIdentifier = externalId()): MeshCustomer {
  const [first_name, ...rest] = name.split(' ');
  return {
    external_identifier: externalIdentifier,
    person: { ...(first_name === undefined ? {} : { first_name }), last_name: rest.join(' ') },
    date_of_birth:
      name === 'Victor Bout' ? { day: 13, month: 1, year: 1967 } : { day: 1, month: 1, year: 1990 },
    nationality: ['GB'],
    email_address: 'applicant@example.com',
    address: { address_line_1: '123 Main Street', postal_code: '10001', country: 'US' },
  };
}

/** The same person in the API reference's layout: details under `person`, `address[]`, `address_line1`. */
export function referencePerson(fullName: string, externalIdentifier = externalId()): MeshCustomer {
  return {
    external_identifier: externalIdentifier,
    person: {
      full_name: fullName,
      date_of_birth: '1967-01-13',
      nationality: ['RU'],
      address: [{ address_line1: '1 High Street', country: 'GB' }],
    },
  };
}

export function company(legalName: string, externalIdentifier = externalId('COMP')): MeshCustomer {
  return {
    external_identifier: externalIdentifier,
    company: { legal_name: legalName },
    registration_number: '12345678',
    address: { address_line_1: '123 Main Street', country: 'US' },
  };
}

/** A logger that keeps every line, message and attributes, as one string each. */
export function capturingLogger(): MeshLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, attributes?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(attributes ?? {})}`);
  };
  return { lines, debug: keep('debug'), info: keep('info'), warn: keep('warn') };
}

/** Repeats `attempt` until `done` holds, or fails after the deadline (never a fixed sleep). */
export async function pollUntil<T>(
  attempt: () => Promise<T>,
  done: (value: T) => boolean,
  deadlineMs = 10_000,
): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await attempt();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`condition not reached within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

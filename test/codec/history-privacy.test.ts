import { Client, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type Payload, type PayloadCodec } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import { AesGcmCodec } from '../../src/platform/codec/aes-gcm-codec';
import { createDataConverter, FAILURE_CONVERTER_PATH } from '../../src/platform/codec/data-converter';
import { caseDecisionSignal } from '../../src/contracts/case-decision';
import type { MeshCustomer } from '../../src/contracts/customer';
import {
  meshTaskQueue,
  OnboardingFailureType,
  type OnboardingInput,
  type OnboardingStatus,
} from '../../src/contracts/onboarding';
import { onboardingWorkflowId } from '../../src/contracts/workflow-ids';
import { isScreeningProvider } from '../../src/contracts/screening-provider';
import { onboardCustomer } from '../../src/workflows';
import { runWorker, uniqueTaskQueue, useTestConnection } from '../helpers/temporal';
import { externalId, useSandboxHarness } from '../helpers/mesh-sandbox';
import { fakeActivities, testPolicy, waitForState } from '../helpers/onboarding';
import { sandboxActivities } from '../helpers/mesh-sandbox';
import { keyConfig } from './support';
import { onboardingWorkflowWorkerOptions } from '../helpers/onboarding';

/**
 * With ENCRYPTION_KEY set, nothing a person could be identified by reaches Temporal in the clear: the
 * real dev server, the real activities against the Mesh sandbox, workers and clients wired with
 * `createDataConverter` as src/worker/main.ts, src/starter/main.ts and the bridge wire them. Each history is then
 * read as the server stores it, by a client without the codec, and searched for the customer's data;
 * decoded with the codec, the same history must show that data (so the search can see it at all).
 */

const encryption = keyConfig('privacy-test');
const codec: PayloadCodec = new AesGcmCodec(encryption);
const dataConverter = createDataConverter(encryption);

const t = useTestConnection();
const h = useSandboxHarness();
let encryptedClient: Client;
let bundle: Promise<WorkflowBundleWithSourceMap>;

beforeAll(() => {
  encryptedClient = new Client({ connection: t.connection, namespace: t.namespace, dataConverter });
  // The failure converter runs inside the workflow sandbox: it has to be in the bundle (as the worker's
  // own bundling does from `dataConverter.failureConverterPath`).
  bundle = bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
  });
});

interface Person {
  customer: MeshCustomer;
  /** Everything in `customer` that identifies the person, in the forms it is written in JSON. */
  personalData: string[];
}

/** A customer with all the personal data the guide's layout carries (name, birth date, e-mail, address). */
function person(
  firstName: string,
  lastName: string,
  dateOfBirth: string | { day: number; month: number; year: number },
): Person {
  const address = {
    address_line_1: '221B Baker Street',
    postal_code: 'NW1 6XE',
    city: 'London',
    country: 'GB',
  };
  const email = `${firstName}.${lastName}@example.org`.toLowerCase();
  // As JSON writes it: "1985-03-21", or {"day":13,"month":1,"year":1967}.
  const dob =
    typeof dateOfBirth === 'string'
      ? [dateOfBirth]
      : [`"day":${dateOfBirth.day},"month":${dateOfBirth.month}`, `"year":${dateOfBirth.year}`];
  return {
    customer: {
      external_identifier: externalId('PRIV'),
      person: { first_name: firstName, last_name: lastName, date_of_birth: dateOfBirth },
      email_address: email,
      address,
    },
    personalData: [
      `"first_name":"${firstName}"`,
      lastName,
      ...dob,
      email,
      address.address_line_1,
      address.postal_code,
    ],
  };
}

function input(customer: MeshCustomer): OnboardingInput {
  return {
    customer,
    configuration: { screening_configuration_identifier: 'sandbox-default' },
    policy: testPolicy({ reviewPollIntervalMs: 3_600_000 }),
  };
}

/** Workflow and Mesh workers as src/worker/main.ts runs them, encrypting with the test key. */
async function withEncryptedWorkers<R>(
  activities: Activities,
  fn: (taskQueue: string) => Promise<R>,
): Promise<R> {
  const taskQueue = uniqueTaskQueue('privacy');
  const workflowBundle = await bundle;
  return runWorker({ taskQueue, workflowBundle, dataConverter, ...onboardingWorkflowWorkerOptions() }, () =>
    runWorker({ taskQueue: meshTaskQueue(taskQueue), activities, dataConverter }, () => fn(taskQueue)),
  );
}

function start(taskQueue: string, customer: MeshCustomer): Promise<WorkflowHandle<typeof onboardCustomer>> {
  return encryptedClient.workflow.start(onboardCustomer, {
    taskQueue,
    workflowId: onboardingWorkflowId(customer.external_identifier),
    args: [input(customer)],
  });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function isPayload(v: unknown): v is Payload {
  return (
    isRecord(v) &&
    isRecord(v['metadata']) &&
    Object.values(v['metadata']).every((m) => m instanceof Uint8Array) &&
    (v['data'] === undefined || v['data'] === null || v['data'] instanceof Uint8Array)
  );
}

/**
 * Every string and byte string in a proto message, one per line and unescaped: byte strings as latin1,
 * so ciphertext stays ciphertext and a plain JSON payload reads exactly as it is stored. With a codec,
 * payloads are decoded first.
 */
async function render(value: unknown, decodeWith?: PayloadCodec): Promise<string> {
  if (decodeWith !== undefined && isPayload(value)) {
    const [decoded] = await decodeWith.decode([value]);
    return render(decoded);
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1');
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return (await Promise.all(value.map((v) => render(v, decodeWith)))).join('\n');
  if (isRecord(value)) {
    const lines: string[] = [];
    for (const [k, v] of Object.entries(value)) lines.push(k, await render(v, decodeWith));
    return lines.join('\n');
  }
  return String(value);
}

interface Views {
  /** What the server stores and anyone with read access to the namespace sees. */
  raw: string;
  /** The same, decoded with the codec, as the Web UI shows it through the codec server. */
  decoded: string;
}

/** Reads the run as the server stores it, through the client WITHOUT the codec. */
async function historyViews(workflowId: string): Promise<Views> {
  const history = await t.client.workflow.getHandle(workflowId).fetchHistory();
  return {
    raw: await render(history),
    decoded: await render(history, codec),
  };
}

const found = (text: string, needles: string[]) => needles.filter((n) => text.includes(n));

async function expectPrivate(workflowId: string, subject: Person, alsoSecret: string[] = []) {
  const { raw, decoded } = await historyViews(workflowId);
  const secrets = [...subject.personalData, ...alsoSecret];
  expect(found(raw, secrets)).toEqual([]);
  expect(found(decoded, secrets)).toEqual(secrets);
  // The raw view is readable text where the server keeps text: identifiers, event types.
  expect(raw).toContain(subject.customer.external_identifier);
  expect(raw).toContain('binary/encrypted');

  // Search attributes and memo are never encrypted: identifiers and states only.
  const description = await t.client.workflow.getHandle(workflowId).describe();
  const attributes = description.typedSearchAttributes.getAll().map((pair) => pair.value);
  expect(attributes).toContain(subject.customer.external_identifier);
  for (const value of attributes) {
    if (typeof value === 'string' && value !== subject.customer.external_identifier) {
      // States and levels, or the name of the screening provider (KycScreeningProvider).
      expect(value).toMatch(isScreeningProvider(value) ? /^[a-z]+$/ : /^[A-Z][A-Z_-]*$/);
    }
  }
  expect(description.memo ?? {}).toEqual({});
  expect(found(await render(description.raw), secrets)).toEqual([]);
  return { raw, decoded };
}

describe('the raw workflow history with ENCRYPTION_KEY set', () => {
  it('holds no personal data on the straight-through path ("Test CleanUser")', async () => {
    const subject = person('Test', 'CleanUser', '1985-03-21');
    const status = await withEncryptedWorkers(sandboxActivities(h), async (tq) =>
      (await start(tq, subject.customer)).result(),
    );
    expect(status.state).toBe('APPROVED');
    await expectPrivate(onboardingWorkflowId(subject.customer.external_identifier), subject);
  });

  it('holds no personal data on the review path (Victor Bout, decided by an encrypted signal)', async () => {
    const subject = person('Victor', 'Bout', { day: 13, month: 1, year: 1967 });
    const webhookId = `w-privacy-${subject.customer.external_identifier}`;
    const status = await withEncryptedWorkers(sandboxActivities(h), async (tq) => {
      const handle = await start(tq, subject.customer);
      const waiting: OnboardingStatus = await waitForState(handle, 'AWAITING_REVIEW');
      // The analyst clears the case at Mesh; the webhook reporting it is confirmed by one case read.
      await h.decideCase(waiting.case!.caseIdentifier, 'POSITIVE');
      await handle.signal(caseDecisionSignal, {
        caseIdentifier: waiting.case!.caseIdentifier,
        caseType: 'CUSTOMER_ONBOARDING',
        decisionType: 'POSITIVE',
        source: 'webhook',
        webhookId,
        receivedAt: new Date().toISOString(),
      });
      return handle.result();
    });
    expect(status).toMatchObject({
      state: 'APPROVED',
      decision: { decisionType: 'POSITIVE', source: 'webhook', webhookId, confirmedAt: expect.any(String) },
    });
    // The signal's payload is encrypted like the rest (its webhook id stands in for its contents).
    await expectPrivate(onboardingWorkflowId(subject.customer.external_identifier), subject, [webhookId]);
  });

  it('holds no personal data when Mesh refuses the customer (400) and the run fails', async () => {
    // Month 13: the sandbox answers 400 with field errors, as Mesh does.
    const subject = person('Failing', 'Quarrington', { day: 2, month: 13, year: 1971 });
    const failure = await withEncryptedWorkers(sandboxActivities(h), async (tq) =>
      (await start(tq, subject.customer)).result().then(
        () => undefined,
        (err: unknown) => err,
      ),
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe(OnboardingFailureType.SCREENING_REFUSED);
    // Decrypted for the encrypted client: the message is readable where the key is.
    expect(cause.message).toBe(`Mesh refused create-and-screen for ${subject.customer.external_identifier}`);
    const { raw, decoded } = await expectPrivate(
      onboardingWorkflowId(subject.customer.external_identifier),
      subject,
      ['Mesh refused create-and-screen', 'customer.person.date_of_birth'],
    );
    expect(raw).toContain('Encoded failure');
    expect(decoded).toContain('BAD_REQUEST');
  });

  it('encrypts failure messages and stack traces that quote the customer', async () => {
    const subject = person('Quoted', 'Failureperson', '1979-11-30');
    const quote = `no match for ${subject.personalData[1]} <${String(subject.customer['email_address'])}>`;
    const { activities } = fakeActivities({
      createAndScreen: () => {
        throw ApplicationFailure.create({ message: quote, type: 'BAD_REQUEST', nonRetryable: true });
      },
    });
    const failure = await withEncryptedWorkers(activities, async (tq) =>
      (await start(tq, subject.customer)).result().then(
        () => undefined,
        (err: unknown) => err,
      ),
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    // Workflow failure <- activity failure <- the activity's ApplicationFailure, decrypted for this client.
    const messages: string[] = [];
    for (let e: unknown = failure; e instanceof Error; e = e.cause) messages.push(e.message);
    expect(messages).toContain(quote);
    await expectPrivate(onboardingWorkflowId(subject.customer.external_identifier), subject, [quote]);
  });
});

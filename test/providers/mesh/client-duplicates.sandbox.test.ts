import type { MeshApi } from '../../../src/providers/mesh/api';
import type { DuplicateRecovery, ScreeningOutcome } from '../../../src/contracts/screening-activities';
import type { MeshCustomer } from '../../../src/contracts/customer';
import {
  externalId,
  guidePerson,
  recoveredMatch,
  screenInput,
  useSandboxHarness,
} from '../../helpers/mesh-sandbox';
import { waitFor } from '../../../testkit/wait';

/**
 * A duplicate external identifier against the real sandbox (src/sandbox), in each of the three
 * documented shapes: what the recovered outcome may claim, and what it must not (a case that does not
 * exist yet is not "no profiles").
 */
const SHAPES = ['errored-200', 'conflict-problem', 'conflict-guide'] as const;

describe('Mesh client: duplicate external identifiers (sandbox)', () => {
  const h = useSandboxHarness();
  let mesh: MeshApi;
  beforeEach(() => {
    mesh = h.client();
  });

  const screen = (customer: MeshCustomer) => mesh.createAndScreen(screenInput(customer));

  describe.each(SHAPES)('answered as %s', (shape) => {
    beforeEach(async () => {
      await h.settings({ duplicateShape: shape });
    });

    /** A first onboarding, then a second attempt whose body differs (so it is not an identical replay). */
    async function screenTwice(name: string) {
      const ext = externalId();
      const first = await screen(guidePerson(name, ext));
      const second = await screen({ ...guidePerson(name, ext), email_address: 'changed@example.com' });
      return { ext, first, second };
    }

    // conflict-problem names the original workflow, so its outcome is read; the others infer.
    const strongest: DuplicateRecovery['outcome'] =
      shape === 'conflict-problem' ? 'original-workflow' : 'case-found';

    it('recovers a matched customer with its case, noting that the stored data differs', async () => {
      const { ext, first, second } = await screenTwice('Victor Bout');
      expect(second).toMatchObject({
        ...recoveredMatch(first, ext),
        recovery: { shape, outcome: strongest, storedCustomerDiffers: true },
      });
      expect(await h.customerCount(ext)).toBe(1);
    });

    it('recovers a clean customer without claiming NO_PROFILES unless the original workflow says so', async () => {
      const { first, second } = await screenTwice('Test CleanUser');
      expect(second).toMatchObject({
        customerIdentifier: first.customerIdentifier,
        riskLevel: 'LOW-RISK',
        recoveredFromDuplicate: true,
      });
      expect(second.caseIdentifier).toBeUndefined();
      if (shape === 'conflict-problem') {
        expect(second).toMatchObject({
          screeningResult: 'NO_PROFILES',
          recovery: { shape, outcome: 'original-workflow' },
        });
      } else {
        expect(second).not.toHaveProperty('screeningResult');
        expect(second.recovery).toEqual({ shape, outcome: 'unknown', storedCustomerDiffers: true });
      }
    });

    it('recovers a PROHIBITED customer without inventing a screening result', async () => {
      const { second } = await screenTwice('Pablo Prohibited');
      expect(second.riskLevel).toBe('PROHIBITED');
      expect(second.screeningResult).toBeUndefined();
      expect(second.recoveredFromDuplicate).toBe(true);
    });

    describe('a case that lags behind a lost response', () => {
      /**
       * The first attempt's answer is lost after Mesh did the work; its case is created 1.5 s later. The
       * retry (an identical body, answered as a duplicate) arrives before the case exists.
       */
      async function lostThenRetried(): Promise<{ customer: MeshCustomer; retried: ScreeningOutcome }> {
        await h.loseNextScreeningAnswer({ caseCreationDelayMs: 1_500 });
        const customer = guidePerson('Victor Bout');
        await expect(screen(customer)).rejects.toMatchObject({ kind: 'NETWORK', retryable: true });
        return { customer, retried: await screen(customer) };
      }

      it('recovers the customer without claiming a result it cannot prove', async () => {
        const { customer, retried } = await lostThenRetried();
        expect(await h.customerCount(customer.external_identifier)).toBe(1);
        expect(retried).toMatchObject({
          externalIdentifier: customer.external_identifier,
          riskLevel: 'MEDIUM-RISK',
          recoveredFromDuplicate: true,
        });
        expect(retried.caseIdentifier).toBeUndefined();
        if (shape === 'conflict-problem') {
          // The original workflow finished screening (HAS_PROFILES); only its case is still pending.
          expect(retried).toMatchObject({
            workflowStatus: 'IN-PROGRESS',
            screeningResult: 'HAS_PROFILES',
            recovery: { shape, outcome: 'original-workflow', storedCustomerDiffers: false },
          });
        } else {
          expect(retried).not.toHaveProperty('screeningResult');
          expect(retried.recovery).toEqual({ shape, outcome: 'unknown', storedCustomerDiffers: false });
        }
      });

      it('finds the case once Mesh has created it', async () => {
        const { customer, retried } = await lostThenRetried();
        const later = await waitFor(() => screen(customer), {
          timeoutMs: 10_000,
          until: (outcome) => outcome.caseIdentifier !== undefined,
          description: 'the condition',
        });
        const [onboardingCase] = await mesh.listCustomerCases(retried.customerIdentifier);
        expect(later).toMatchObject({
          customerIdentifier: retried.customerIdentifier,
          screeningResult: 'HAS_PROFILES',
          caseIdentifier: onboardingCase?.caseIdentifier,
          recovery: { shape, outcome: strongest },
        });
      });
    });
  });

  it.each([
    ['the published wording (the default)', undefined],
    ['another wording', 'Customer {customer_identifier} already registered'],
    ['no message at all', null],
  ] as const)('recognises the errored-200 duplicate with %s', async (_what, duplicateErrorMessage) => {
    await h.settings({
      duplicateShape: 'errored-200',
      ...(duplicateErrorMessage !== undefined && { duplicateErrorMessage }),
    });
    const ext = externalId();
    const first = await screen(guidePerson('Victor Bout', ext));
    const second = await screen({ ...guidePerson('Victor Bout', ext), email_address: 'new@example.com' });
    expect(second).toMatchObject({
      customerIdentifier: first.customerIdentifier,
      screeningResult: 'HAS_PROFILES',
      recovery: { shape: 'errored-200', outcome: 'case-found' },
    });
  });

  it('reads the original workflow a 409 names, so a case still being created is not mistaken for no profiles', async () => {
    await h.settings({ duplicateShape: 'conflict-problem', caseCreationDelayMs: 5_000 });
    const ext = externalId();
    const first = await screen(guidePerson('Victor Bout', ext));
    const second = await screen({ ...guidePerson('Victor Bout', ext), email_address: 'changed@example.com' });
    expect(second).toMatchObject({
      customerIdentifier: first.customerIdentifier,
      workflowStatus: 'IN-PROGRESS',
      screeningResult: 'HAS_PROFILES',
      amlTypes: ['SANCTION', 'PEP_CLASS_2'],
      alertIdentifiers: first.alertIdentifiers,
      recoveredFromDuplicate: true,
      recovery: { shape: 'conflict-problem', outcome: 'original-workflow', storedCustomerDiffers: true },
    });
  });

  it('recovers from a lost response: the retry finds the customer the first attempt created', async () => {
    await h.loseNextScreeningAnswer({ duplicateShape: 'conflict-guide' });
    const customer = guidePerson('Victor Bout');
    await expect(screen(customer)).rejects.toMatchObject({ kind: 'NETWORK', retryable: true });
    // got made exactly one attempt: Temporal, not the HTTP client, owns retries.
    expect((await h.stats()).byRoute['POST /v2/workflows/sync/create-and-screen']).toBe(1);

    const retried = await screen(customer);
    expect(retried).toMatchObject({
      screeningResult: 'HAS_PROFILES',
      recoveredFromDuplicate: true,
      recovery: { shape: 'conflict-guide', outcome: 'case-found', storedCustomerDiffers: false },
    });
    expect(retried.caseIdentifier).toBeDefined();
    expect(await h.customerCount(customer.external_identifier)).toBe(1);
  });
});

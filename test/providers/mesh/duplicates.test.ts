import { customerDiffers, duplicateConflict } from '../../../src/providers/mesh/duplicates';

describe('duplicate recognition helpers', () => {
  it.each([
    [
      { existing_customer_identifier: 'cust_1', message: 'anything' },
      { shape: 'conflict-guide', customerIdentifier: 'cust_1' },
    ],
    [{ error: 'DUPLICATE_EXTERNAL_IDENTIFIER' }, { shape: 'conflict-guide' }],
    [{ title: 'Conflict', detail: 'Something else entirely' }, { shape: 'conflict-problem' }],
    [
      { existing_workflow_instance_identifier: 'wf_9' },
      { shape: 'conflict-problem', workflowIdentifier: 'wf_9' },
    ],
    [
      { detail: "A workflow with id 'wf_7' already exists" },
      { shape: 'conflict-problem', workflowIdentifier: 'wf_7' },
    ],
    [undefined, { shape: 'conflict-problem' }],
    ['text', { shape: 'conflict-problem' }],
  ])('reads a 409 body %j as %j', (body, expected) => {
    expect(duplicateConflict(body)).toEqual(expected);
  });

  it('prefers a structured workflow identifier to one hinted in the detail', () => {
    expect(
      duplicateConflict({ workflow_instance_identifier: 'wf_1', detail: 'A workflow with id wf_2 exists' }),
    ).toMatchObject({ workflowIdentifier: 'wf_1' });
  });

  describe('customerDiffers', () => {
    const stored = {
      external_identifier: 'E',
      person: { last_name: 'X', first_name: 'Y' },
      address: [{ country: 'GB' }],
      email_address: 'a@example.com',
    };
    const serverFields = new Set(['identifier', 'risk_level']);

    it('reads only the leaves the request names: fields Mesh holds besides them are no difference', () => {
      expect(customerDiffers({ external_identifier: 'E', person: { last_name: 'X' } }, stored)).toBe(false);
    });

    it('ignores server-owned keys the request happens to carry', () => {
      expect(
        customerDiffers({ external_identifier: 'E', risk_level: 'LOW-RISK' }, stored, serverFields),
      ).toBe(false);
    });

    it('treats a null as matching an absent field and an empty object as naming nothing', () => {
      expect(customerDiffers({ date_of_birth: null, company: {} }, stored)).toBe(false);
    });

    it.each([
      ['a changed leaf', { person: { last_name: 'Z' } }],
      ['a missing leaf', { nationality: 'GB' }],
      ['a leaf under a missing object', { company: { legal_name: 'C' } }],
      ['an array with another element', { address: [{ country: 'GB' }, { country: 'FR' }] }],
      ['an array whose element differs in a field', { address: [{ country: 'GB', city: 'London' }] }],
      ['a number where a string is stored', { email_address: 1 }],
    ])('finds %s', (_what, requested) => {
      expect(customerDiffers(requested as Record<string, unknown>, stored)).toBe(true);
    });
  });
});

import type { CustomerReference } from '../../contracts/customer-operations';
import type { providerActivities } from '../common/provider-activities';

/** Mesh's customer id for a reference: given, or looked up by external identifier. */
export async function customerIdentifierOf(
  reference: CustomerReference,
  mesh: ReturnType<typeof providerActivities>,
): Promise<string> {
  if (reference.customerIdentifier !== undefined) return reference.customerIdentifier;
  const record = await mesh.customerRead.getCustomer({ externalIdentifier: reference.externalIdentifier });
  return record.customerIdentifier;
}

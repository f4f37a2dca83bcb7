import type { CustomerReference } from '../../contracts/customer-operations';
import type { ProviderActivities } from '../common/provider-activities';

/** The provider's customer id for a reference: given, or looked up by external identifier. */
export async function customerIdentifierOf(
  reference: CustomerReference,
  provider: ProviderActivities,
): Promise<string> {
  if (reference.customerIdentifier !== undefined) return reference.customerIdentifier;
  const record = await provider.customerRead.getCustomer({
    externalIdentifier: reference.externalIdentifier,
  });
  return record.customerIdentifier;
}

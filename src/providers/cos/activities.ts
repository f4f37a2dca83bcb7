import { log } from '@temporalio/activity';
import type { CoreBankingActivities, CoreWrite } from '../../contracts/core-banking';
import type { ActivityLogger } from '../common/logger';
import { callCos, refusedBeforeSending } from './activity-failures';
import { idempotencyKeyOf, type CosApi } from './client';
import type { CosLogger } from './http';

/**
 * The COS activities (docs/providers/cos.md): the core-banking port (src/contracts/core-banking.ts) on the
 * `<queue>-cos` task queue, whose rate limit counts activities, so each makes one COS call (two when a
 * 401 makes the client fetch a new token and try once more).
 *
 * A write is safe to retry: its body comes from the workflow, built once, and is sent unchanged with a
 * key derived from the workflow's seed, so COS answers a repeat with the first answer
 * (`original-request-id`, `replayed: true`) instead of creating a second customer, address or phone.
 *
 * Logs carry COS ids, the idempotency key (a hash) and statuses only: never a body (names, birth dates,
 * tax ids), a token or a secret.
 */

export interface CosActivityDeps {
  cos: CosApi;
  /** The activity context's logger by default. */
  logger?: ActivityLogger & Pick<CosLogger, 'error'>;
}

export function createCosActivities(deps: CosActivityDeps): CoreBankingActivities {
  const logger = (): ActivityLogger & Pick<CosLogger, 'error'> => deps.logger ?? log;

  /** Refuses, before sending, a write COS must never see (the workflow's bug, not COS's answer). */
  function checked(operation: string, input: CoreWrite, customerId?: string): void {
    if (input.idempotencySeed.trim() === '') {
      throw refusedBeforeSending(operation, 'the idempotency seed is empty (every write must have its own)');
    }
    if (input.body.trim() === '') throw refusedBeforeSending(operation, 'the body is empty');
    if (customerId !== undefined && customerId.trim() === '') {
      throw refusedBeforeSending(operation, 'no COS customer id');
    }
  }

  return {
    async createCoreCustomer(input) {
      checked('createCore', input);
      const record = await callCos(() => deps.cos.createCore(input), deps.logger);
      logger().info('cos customer created', {
        coreCustomerId: record.id,
        replayed: record.replayed,
        idempotencyKey: idempotencyKeyOf(input.idempotencySeed),
        ...(record.ofac !== undefined && { ofac: record.ofac }),
        ...(record.pepScan !== undefined && { pepScan: record.pepScan }),
      });
      return record;
    },

    async addCoreAddress(input) {
      checked('addAddress', input, input.customerId);
      const result = await callCos(
        () =>
          deps.cos.addAddress(input.customerId, { idempotencySeed: input.idempotencySeed, body: input.body }),
        deps.logger,
      );
      logger().info('cos address added', {
        coreCustomerId: input.customerId,
        replayed: result.replayed,
        ...(result.id !== undefined && { addressId: result.id }),
      });
      return result;
    },

    async addCorePhone(input) {
      checked('addPhone', input, input.customerId);
      const result = await callCos(
        () =>
          deps.cos.addPhone(input.customerId, { idempotencySeed: input.idempotencySeed, body: input.body }),
        deps.logger,
      );
      logger().info('cos phone added', {
        coreCustomerId: input.customerId,
        replayed: result.replayed,
        ...(result.id !== undefined && { phoneId: result.id }),
      });
      return result;
    },

    async readCoreCustomer(input) {
      if (input.customerId.trim() === '') throw refusedBeforeSending('getCustomer', 'no COS customer id');
      return callCos(() => deps.cos.getCustomer(input.customerId), deps.logger);
    },
  };
}

import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Moves failure messages and stack traces into an encoded attribute payload, which the payload codec
 * then encrypts: they can quote a customer's data. Loaded by path (`failureConverterPath`) because
 * workflow failures are converted inside the workflow sandbox, so this module is bundled with the
 * workflows: it may import nothing but @temporalio/common.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });

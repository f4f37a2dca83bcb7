import type { DataConverter } from '@temporalio/common';
import type { EncryptionConfig } from '../config/encryption';
import { AesGcmCodec } from './aes-gcm-codec';

/**
 * The one data converter every process that talks to Temporal uses (worker, starter, bridge): with a
 * key, payloads are encrypted and failure messages and stack traces travel inside an encrypted payload
 * too. Workflow IDs, search attributes and memos are never encrypted by Temporal; they hold the external
 * identifier and states only (src/contracts/search-attributes.ts).
 */

/** For `bundleWorkflowCode({ failureConverterPath })` when a bundle is built ahead of the worker. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

export const UNENCRYPTED_WARNING =
  'ENCRYPTION_KEY is not set: payloads (customer names, dates of birth, addresses) go to Temporal ' +
  'unencrypted; see docs/encryption.md';

export type Warn = (message: string) => void;

const warnOnStderr: Warn = (message) => void process.stderr.write(`warning: ${message}\n`);

export function createDataConverter(
  config: EncryptionConfig | undefined,
  warn: Warn = warnOnStderr,
): DataConverter {
  if (config === undefined) {
    warn(UNENCRYPTED_WARNING);
    return {};
  }
  return {
    payloadCodecs: [new AesGcmCodec(config)],
    // A path, not an instance: workflow failures are converted inside the sandbox, which loads it from the bundle.
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}

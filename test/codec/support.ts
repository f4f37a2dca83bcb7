import { randomBytes } from 'node:crypto';
import { loadEncryptionConfig, type EncryptionConfig } from '../../src/platform/config/encryption';

/** A fresh random key in the form ENCRYPTION_KEY takes. */
export function newKeyBase64(): string {
  return randomBytes(32).toString('base64');
}

/** An encryption config built the way processes build it: from environment variables. */
export function encryptionConfig(vars: Record<string, string>): EncryptionConfig {
  const config = loadEncryptionConfig(vars);
  if (config === undefined) throw new Error('expected ENCRYPTION_KEY and ENCRYPTION_KEY_ID in the test vars');
  return config;
}

export function keyConfig(id = 'k1', key = newKeyBase64()): EncryptionConfig {
  return encryptionConfig({ ENCRYPTION_KEY: key, ENCRYPTION_KEY_ID: id });
}

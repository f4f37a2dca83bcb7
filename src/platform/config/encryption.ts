import { createSecretKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { parseEnv, type Env } from './env';

/**
 * Payload encryption keys (docs/encryption.md). ENCRYPTION_KEY encrypts everything written from now on
 * and is stored in each payload's metadata under ENCRYPTION_KEY_ID; ENCRYPTION_PREVIOUS_KEYS
 * (`id=base64,id=base64`) only decrypt, so histories written before a rotation stay readable.
 * Error messages name the variable and what it expects, never the value: these are secrets.
 */

export const ENCRYPTION_KEY_BYTES = 32;
const KEY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KEY_ID_EXPECTED = 'expected a short key id (letters, digits, ".", "_", "-"; at most 64 characters)';
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const KEY_EXPECTED = `expected ${ENCRYPTION_KEY_BYTES} random bytes in base64 (e.g. \`openssl rand -base64 32\`)`;

/** A key and the id written next to the payloads it encrypts. `key` is a KeyObject: it never prints its bytes. */
export interface EncryptionKey {
  id: string;
  key: KeyObject;
}

export interface EncryptionConfig {
  current: EncryptionKey;
  /** Decrypt-only keys from earlier rotations. */
  previous: EncryptionKey[];
}

/** `undefined` unless the text is canonical base64 of exactly 32 bytes. */
function keyFromBase64(text: string): KeyObject | undefined {
  const trimmed = text.trim();
  if (!BASE64_PATTERN.test(trimmed)) return undefined;
  const bytes = Buffer.from(trimmed, 'base64');
  return bytes.length === ENCRYPTION_KEY_BYTES ? createSecretKey(bytes) : undefined;
}

const keyField = z.string().transform((text, ctx) => {
  const key = keyFromBase64(text);
  if (key === undefined) {
    ctx.addIssue({ code: 'custom', message: KEY_EXPECTED });
    return z.NEVER;
  }
  return key;
});

const previousKeysField = z.string().transform((text, ctx) => {
  const keys: EncryptionKey[] = [];
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  entries.forEach((entry, index) => {
    const at = entry.indexOf('=');
    const id = at < 0 ? '' : entry.slice(0, at).trim();
    const key = at < 0 ? undefined : keyFromBase64(entry.slice(at + 1));
    const where = `entry ${index + 1}`;
    if (!KEY_ID_PATTERN.test(id)) {
      ctx.addIssue({ code: 'custom', message: `${where}: expected id=base64key; ${KEY_ID_EXPECTED}` });
    } else if (key === undefined) {
      // Named by position only: an entry missing its `id=` would otherwise echo part of the key.
      ctx.addIssue({ code: 'custom', message: `${where}: expected id=base64key; ${KEY_EXPECTED}` });
    } else if (keys.some((k) => k.id === id)) {
      ctx.addIssue({ code: 'custom', message: `${where}: key id "${id}" appears twice` });
    } else {
      keys.push({ id, key });
    }
  });
  return keys;
});

const schema = z
  .object({
    ENCRYPTION_KEY: keyField.optional(),
    ENCRYPTION_KEY_ID: z.string().regex(KEY_ID_PATTERN, { error: KEY_ID_EXPECTED }).optional(),
    ENCRYPTION_PREVIOUS_KEYS: previousKeysField.optional(),
  })
  .check((ctx) => {
    const { ENCRYPTION_KEY: key, ENCRYPTION_KEY_ID: id, ENCRYPTION_PREVIOUS_KEYS: previous } = ctx.value;
    const issue = (variable: string, message: string) =>
      ctx.issues.push({ code: 'custom', path: [variable], message, input: undefined });
    if (key !== undefined && id === undefined) {
      issue('ENCRYPTION_KEY_ID', 'required when ENCRYPTION_KEY is set (the id stored with every payload)');
    }
    if (key === undefined && id !== undefined)
      issue('ENCRYPTION_KEY', 'required when ENCRYPTION_KEY_ID is set');
    if (key === undefined && previous !== undefined && previous.length > 0) {
      issue('ENCRYPTION_KEY', 'required when ENCRYPTION_PREVIOUS_KEYS is set (previous keys only decrypt)');
    }
    if (id !== undefined && previous?.some((k) => k.id === id)) {
      issue(
        'ENCRYPTION_PREVIOUS_KEYS',
        `key id "${id}" is the current ENCRYPTION_KEY_ID: a rotation needs a new id`,
      );
    }
  });

/** The variables this section reads. */
export const ENCRYPTION_ENV_VARIABLES: readonly string[] = [
  'ENCRYPTION_KEY',
  'ENCRYPTION_KEY_ID',
  'ENCRYPTION_PREVIOUS_KEYS',
];

/** `undefined` when no key is configured: payloads then go to Temporal unencrypted. */
export function loadEncryptionConfig(env?: Env): EncryptionConfig | undefined {
  const c = parseEnv(schema, env);
  if (c.ENCRYPTION_KEY === undefined || c.ENCRYPTION_KEY_ID === undefined) return undefined;
  return {
    current: { id: c.ENCRYPTION_KEY_ID, key: c.ENCRYPTION_KEY },
    previous: c.ENCRYPTION_PREVIOUS_KEYS ?? [],
  };
}

/**
 * The local stack's payload encryption key (`npm start`): generated once into .local/encryption-key.json
 * (git-ignored, mode 0600) and reused, so the local Temporal database stays readable across restarts.
 * Deleting the file makes everything already written in .temporal/ unreadable to the worker: delete
 * both, or neither. A real deployment sets ENCRYPTION_KEY/ENCRYPTION_KEY_ID itself (docs/encryption.md).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { loadEncryptionConfig } from '../src/platform/config/encryption';

const keyFileSchema = z.object({ id: z.string(), key: z.string() });

export interface LocalEncryptionKey {
  id: string;
  key: string;
  created: boolean;
  /** Set when the file can be read by other users of the machine. */
  warning?: string;
}

export function localEncryptionKey(file: string, now = new Date()): LocalEncryptionKey {
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text === undefined) {
    const id = `local-${now.toISOString().slice(0, 10).replaceAll('-', '')}`;
    const key = randomBytes(32).toString('base64');
    mkdirSync(dirname(file), { recursive: true });
    // `wx`: never overwrite a key another start wrote a moment ago; mode 0600: the key is a secret.
    writeFileSync(file, `${JSON.stringify({ id, key }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    return { id, key, created: true };
  }
  let parsed: z.infer<typeof keyFileSchema>;
  try {
    parsed = keyFileSchema.parse(JSON.parse(text));
  } catch {
    throw new Error(
      `${file} is not {"id": "...", "key": "<base64>"}: fix it, or delete it together with .temporal/`,
    );
  }
  // The same checks as ENCRYPTION_KEY / ENCRYPTION_KEY_ID; the messages never quote the key.
  loadEncryptionConfig({ ENCRYPTION_KEY: parsed.key, ENCRYPTION_KEY_ID: parsed.id });
  const mode = statSync(file).mode & 0o777;
  return {
    ...parsed,
    created: false,
    ...((mode & 0o077) !== 0 && {
      warning: `${file} is readable by other users (mode ${mode.toString(8)}): chmod 600 ${file}`,
    }),
  };
}

/**
 * `eval "$(npm run -s stack-env)"`: the variables a second terminal needs to talk to the stack `npm start`
 * runs: the starter must encrypt and decrypt with the local key (.local/encryption-key.json) like the
 * worker does, or it cannot read the runs' results (the worker supplies the screening configuration).
 * Prints shell `export` lines; the key is the local development key, never a production one.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { localEncryptionKey } from './local-encryption-key';

const KEY_FILE = join(__dirname, '..', '.local', 'encryption-key.json');

function main(): void {
  const lines: string[] = [];
  if (existsSync(KEY_FILE)) {
    const { id, key } = localEncryptionKey(KEY_FILE);
    lines.push(`export ENCRYPTION_KEY_ID='${id}'`, `export ENCRYPTION_KEY='${key}'`);
  } else {
    process.stderr.write(`no ${KEY_FILE} yet: run \`npm start\` once, it generates the local key\n`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();

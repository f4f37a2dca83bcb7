import { inspect } from 'node:util';
import { loadEncryptionConfig } from '../../src/platform/config/encryption';
import { configProblems } from '../helpers/config';

const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64');
const KEY_C = Buffer.alloc(32, 3).toString('base64');

const problemsOf = (env: Record<string, string>) => configProblems(loadEncryptionConfig, env);

describe('encryption configuration', () => {
  it('is off when no key is set', () => {
    expect(loadEncryptionConfig({})).toBeUndefined();
    expect(loadEncryptionConfig({ ENCRYPTION_KEY: '', ENCRYPTION_KEY_ID: '' })).toBeUndefined();
  });

  it('reads the current key and the previous keys of earlier rotations', () => {
    const config = loadEncryptionConfig({
      ENCRYPTION_KEY: KEY_A,
      ENCRYPTION_KEY_ID: '2026-01',
      ENCRYPTION_PREVIOUS_KEYS: ` 2025-07=${KEY_B} , 2025-01=${KEY_C}`,
    });
    expect(config?.current.id).toBe('2026-01');
    expect(config?.current.key.export().toString('base64')).toBe(KEY_A);
    expect(config?.previous.map((k) => [k.id, k.key.export().toString('base64')])).toEqual([
      ['2025-07', KEY_B],
      ['2025-01', KEY_C],
    ]);
  });

  it('never prints key bytes when the config is logged', () => {
    const config = loadEncryptionConfig({ ENCRYPTION_KEY: KEY_A, ENCRYPTION_KEY_ID: 'k1' });
    expect(inspect(config, { depth: 5 })).not.toContain(KEY_A);
    expect(JSON.stringify(config)).not.toContain(KEY_A);
  });

  it('refuses a key that is not 32 bytes of base64, without echoing it', () => {
    const short = Buffer.alloc(16, 1).toString('base64');
    for (const key of [short, 'not base64 at all!', `${KEY_A}x`]) {
      const problems = problemsOf({ ENCRYPTION_KEY: key, ENCRYPTION_KEY_ID: 'k1' });
      expect(problems).toEqual([
        'ENCRYPTION_KEY: expected 32 random bytes in base64 (e.g. `openssl rand -base64 32`)',
      ]);
      expect(problems.join()).not.toContain(key);
    }
  });

  it('requires a key id with a key, and a key with a key id or previous keys', () => {
    expect(problemsOf({ ENCRYPTION_KEY: KEY_A })).toEqual([
      'ENCRYPTION_KEY_ID: required when ENCRYPTION_KEY is set (the id stored with every payload)',
    ]);
    expect(problemsOf({ ENCRYPTION_KEY_ID: 'k1' })).toEqual([
      'ENCRYPTION_KEY: required when ENCRYPTION_KEY_ID is set',
    ]);
    expect(problemsOf({ ENCRYPTION_PREVIOUS_KEYS: `old=${KEY_B}` })).toEqual([
      'ENCRYPTION_KEY: required when ENCRYPTION_PREVIOUS_KEYS is set (previous keys only decrypt)',
    ]);
  });

  it('refuses key ids that would not survive as payload metadata', () => {
    expect(problemsOf({ ENCRYPTION_KEY: KEY_A, ENCRYPTION_KEY_ID: 'key one' })).toEqual([
      'ENCRYPTION_KEY_ID: expected a short key id (letters, digits, ".", "_", "-"; at most 64 characters)',
    ]);
  });

  it('names a bad previous-key entry by position and never quotes a key', () => {
    const problems = problemsOf({
      ENCRYPTION_KEY: KEY_A,
      ENCRYPTION_KEY_ID: 'k3',
      ENCRYPTION_PREVIOUS_KEYS: `k1=${KEY_B},x y=${KEY_C},k2=short,k1=${KEY_C},${KEY_C}`,
    });
    expect(problems).toEqual([
      'ENCRYPTION_PREVIOUS_KEYS: entry 2: expected id=base64key; expected a short key id (letters, digits, ".", "_", "-"; at most 64 characters)',
      'ENCRYPTION_PREVIOUS_KEYS: entry 3: expected id=base64key; expected 32 random bytes in base64 (e.g. `openssl rand -base64 32`)',
      'ENCRYPTION_PREVIOUS_KEYS: entry 4: key id "k1" appears twice',
      // A key without its `id=`: the message must not quote any of it.
      'ENCRYPTION_PREVIOUS_KEYS: entry 5: expected id=base64key; expected 32 random bytes in base64 (e.g. `openssl rand -base64 32`)',
    ]);
    for (const key of [KEY_B, KEY_C]) expect(problems.join()).not.toContain(key.slice(0, 12));
  });

  it('refuses the current key id among the previous keys', () => {
    expect(
      problemsOf({ ENCRYPTION_KEY: KEY_A, ENCRYPTION_KEY_ID: 'k3', ENCRYPTION_PREVIOUS_KEYS: `k3=${KEY_B}` }),
    ).toEqual([
      'ENCRYPTION_PREVIOUS_KEYS: key id "k3" is the current ENCRYPTION_KEY_ID: a rotation needs a new id',
    ]);
  });
});

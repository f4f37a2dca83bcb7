import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import {
  AesGcmCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA_KEY,
  PayloadDecryptionError,
} from '../../src/platform/codec/aes-gcm-codec';
import { encryptionConfig, keyConfig, newKeyBase64 } from './support';

const customer = {
  external_identifier: 'CUST-0001',
  person: { first_name: 'Victor', last_name: 'Bout', date_of_birth: '1967-01-13' },
  email_address: 'victor@example.com',
};

const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Payload | undefined): unknown => defaultPayloadConverter.fromPayload(payload!);
const metadataText = (payload: Payload | undefined, key: string) =>
  Buffer.from(payload?.metadata?.[key] ?? new Uint8Array()).toString('utf8');

async function encodeOne(codec: AesGcmCodec, value: unknown): Promise<Payload> {
  const [encoded] = await codec.encode([toPayload(value)]);
  return encoded!;
}

describe('AesGcmCodec', () => {
  it('round-trips values, including their original encoding', async () => {
    const codec = new AesGcmCodec(keyConfig());
    const encoded = await codec.encode([toPayload(customer), toPayload(undefined), toPayload('text')]);
    const decoded = await codec.decode(encoded);
    expect(decoded.map(fromPayload)).toEqual([customer, undefined, 'text']);
    expect(metadataText(decoded[1], METADATA_ENCODING_KEY)).toBe('binary/null');
  });

  it('leaves no personal data and no original encoding readable in the encoded payload', async () => {
    const encoded = await encodeOne(new AesGcmCodec(keyConfig('key-2026')), customer);
    const visible = JSON.stringify({
      metadata: Object.fromEntries(
        Object.entries(encoded.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('utf8')]),
      ),
      data: Buffer.from(encoded.data!).toString('latin1'),
    });
    for (const secret of ['Victor', 'Bout', '1967-01-13', 'victor@example.com', 'json/plain']) {
      expect(visible).not.toContain(secret);
    }
    expect(metadataText(encoded, METADATA_ENCODING_KEY)).toBe(ENCRYPTED_ENCODING);
    expect(metadataText(encoded, KEY_ID_METADATA_KEY)).toBe('key-2026');
  });

  it('uses a fresh IV per payload, so equal values encrypt differently', async () => {
    const codec = new AesGcmCodec(keyConfig());
    const [a, b] = await codec.encode([toPayload(customer), toPayload(customer)]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('passes unencrypted payloads through, so histories from before encryption stay readable', async () => {
    const plain = toPayload(customer);
    const [decoded] = await new AesGcmCodec(keyConfig()).decode([plain]);
    expect(fromPayload(decoded)).toEqual(customer);
  });

  it('refuses a payload encrypted with a different key under the same id, saying so', async () => {
    const encoded = await encodeOne(new AesGcmCodec(keyConfig('k1')), customer);
    const other = new AesGcmCodec(keyConfig('k1'));
    await expect(other.decode([encoded])).rejects.toThrow(PayloadDecryptionError);
    await expect(other.decode([encoded])).rejects.toThrow(
      'payload encrypted with key id "k1" does not decrypt with the configured key of that id',
    );
  });

  it('names the missing key id and where to configure it', async () => {
    const encoded = await encodeOne(new AesGcmCodec(keyConfig('old')), customer);
    await expect(new AesGcmCodec(keyConfig('new')).decode([encoded])).rejects.toThrow(
      'payload encrypted with key "old", which is not configured: add it to ENCRYPTION_PREVIOUS_KEYS as old=<base64 key>',
    );
  });

  it('detects tampering with the ciphertext', async () => {
    const codec = new AesGcmCodec(keyConfig());
    const encoded = await encodeOne(codec, customer);
    const data = Buffer.from(encoded.data!);
    data[20] = data[20]! ^ 0x01;
    await expect(codec.decode([{ ...encoded, data }])).rejects.toThrow(PayloadDecryptionError);
  });

  it('after a rotation reads payloads of the previous key and writes new ones with the current id', async () => {
    const oldKey = newKeyBase64();
    const before = new AesGcmCodec(
      encryptionConfig({ ENCRYPTION_KEY: oldKey, ENCRYPTION_KEY_ID: '2025-01' }),
    );
    const written = await encodeOne(before, customer);

    const after = new AesGcmCodec(
      encryptionConfig({
        ENCRYPTION_KEY: newKeyBase64(),
        ENCRYPTION_KEY_ID: '2026-01',
        ENCRYPTION_PREVIOUS_KEYS: `2025-01=${oldKey}`,
      }),
    );
    expect(fromPayload((await after.decode([written]))[0])).toEqual(customer);
    const rewritten = await encodeOne(after, customer);
    expect(metadataText(rewritten, KEY_ID_METADATA_KEY)).toBe('2026-01');
    // The previous key only decrypts: a process still on the old key cannot read the new payloads.
    await expect(before.decode([rewritten])).rejects.toThrow('key "2026-01", which is not configured');
  });
});

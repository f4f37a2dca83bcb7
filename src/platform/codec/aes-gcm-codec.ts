import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { EncryptionConfig } from '../config/encryption';

/**
 * Encrypts whole payloads (metadata and data) with AES-256-GCM, as Temporal's encryption samples do:
 * the encoded payload carries only `encoding: binary/encrypted` and the key id, so not even the original
 * encoding (json/plain, binary/null) shows in the history. Data layout: 12-byte random IV, ciphertext,
 * 16-byte tag, i.e. what WebCrypto's AES-GCM produces, so a codec in another SDK can read it.
 * Runs outside the workflow sandbox (worker, clients, codec server), so Node's crypto is fine here.
 */

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA_KEY = 'encryption-key-id';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const PayloadProto = temporal.api.common.v1.Payload;

/** A payload that cannot be decrypted here; the message says why and what to configure, never the contents. */
export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

function text(bytes: Uint8Array | null | undefined): string | undefined {
  return bytes === null || bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
}

export class AesGcmCodec implements PayloadCodec {
  readonly #current: { id: string; key: KeyObject };
  readonly #keys: ReadonlyMap<string, KeyObject>;

  constructor(config: EncryptionConfig) {
    this.#current = config.current;
    this.#keys = new Map([config.current, ...config.previous].map((k) => [k.id, k.key]));
  }

  /** The id new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.#current.id;
  }

  // Async by the PayloadCodec contract (a KMS-backed codec awaits); failures become rejections.
  // eslint-disable-next-line @typescript-eslint/require-await
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.#encrypt(p));
  }

  // eslint-disable-next-line @typescript-eslint/require-await
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.#decrypt(p));
  }

  #encrypt(payload: Payload): Payload {
    const plain = PayloadProto.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#current.key, iv, { authTagLength: TAG_BYTES });
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA_KEY]: Buffer.from(this.#current.id),
      },
      data,
    };
  }

  #decrypt(payload: Payload): Payload {
    // Payloads written before encryption was turned on (or by an unencrypted client) pass through.
    if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[KEY_ID_METADATA_KEY]);
    if (keyId === undefined) {
      throw new PayloadDecryptionError(`encrypted payload without the "${KEY_ID_METADATA_KEY}" metadata`);
    }
    const key = this.#keys.get(keyId);
    if (key === undefined) {
      throw new PayloadDecryptionError(
        `payload encrypted with key "${keyId}", which is not configured: ` +
          `add it to ENCRYPTION_PREVIOUS_KEYS as ${keyId}=<base64 key>`,
      );
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(
        `encrypted payload (key "${keyId}") is too short to be AES-GCM output`,
      );
    }
    const decipher = createDecipheriv(ALGORITHM, key, data.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new PayloadDecryptionError(
        `payload encrypted with key id "${keyId}" does not decrypt with the configured key of that id ` +
          '(a different key under the same id, or corrupted data)',
      );
    }
    return PayloadProto.decode(plain);
  }
}

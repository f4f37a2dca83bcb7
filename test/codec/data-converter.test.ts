import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
// The SDK's own helpers, as the worker and client call them.
import {
  decodeOptionalFailureToOptionalError,
  encodeErrorToFailure,
  loadDataConverter,
} from '@temporalio/common/lib/internal-non-workflow';
import { createDataConverter, UNENCRYPTED_WARNING } from '../../src/platform/codec/data-converter';
import { keyConfig } from './support';

describe('createDataConverter', () => {
  it('without a key returns the default converter and warns once', () => {
    const warnings: string[] = [];
    const converter = createDataConverter(undefined, (m) => warnings.push(m));
    expect(converter).toEqual({});
    expect(warnings).toEqual([UNENCRYPTED_WARNING]);
  });

  it('with a key does not warn and encrypts failure messages and stack traces', async () => {
    const warnings: string[] = [];
    const converter = loadDataConverter(createDataConverter(keyConfig(), (m) => warnings.push(m)));
    expect(warnings).toEqual([]);

    const error = ApplicationFailure.create({
      message: 'Mesh refused Victor Bout, born 1967-01-13',
      type: 'BAD_REQUEST',
      nonRetryable: true,
    });
    const failure = await encodeErrorToFailure(converter, error);
    const visible = JSON.stringify(failure, (_key, value: unknown) =>
      value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value,
    );
    expect(failure.message).toBe('Encoded failure');
    expect(visible).not.toContain('Victor');
    expect(visible).not.toContain('1967-01-13');
    // The type stays readable: it is a stable code, and workflows branch on it.
    expect(failure.applicationFailureInfo?.type).toBe('BAD_REQUEST');

    const decoded = await decodeOptionalFailureToOptionalError(converter, failure);
    expect(decoded?.message).toBe('Mesh refused Victor Bout, born 1967-01-13');
  });

  it('with a key keeps plain payloads readable to the default payload converter after decoding', async () => {
    const converter = loadDataConverter(createDataConverter(keyConfig(), () => undefined));
    const [codec] = converter.payloadCodecs;
    const [encoded] = await codec!.encode([defaultPayloadConverter.toPayload({ n: 1 })]);
    const [decoded] = await codec!.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ n: 1 });
  });
});

import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { CoreCustomerRecord, CoreWrite, CoreWriteResult } from '../../contracts/core-banking';
import { silentLogger, systemClock, type Clock } from '../common/logger';
import type { CosConnectionConfig } from './config';
import { errorFromStatus, invalidResponse } from './errors';
import { createCosHttp, type CosHttpRequest, type CosHttpResponse, type CosLogger } from './http';
import {
  createdRecordSchema,
  customerSchema,
  registrationListSchema,
  registrationSchema,
  type CustomerBody,
  type RegistrationBody,
} from './response-schemas';
import { createCosTokenProvider, type CosTokenProvider } from './token-provider';

/**
 * The COS API client (docs/providers/cos.md): one method per call the project makes, each one HTTP
 * request (two when a 401 makes it fetch a new token and try once more). Create one per process.
 *
 * Writes send `write.body` as given, byte for byte: COS treats a request as a repeat only when the key,
 * the endpoint and the body all match, and processes the same key with a different body as a new request
 * (a second customer). So the body is built once, in the workflow, and never parsed or re-serialised here.
 */

/** A COS webhook registration as the adapter reads it. */
export interface CosRegistration {
  id: string;
  eventName: string | undefined;
  callbackUrl: string | undefined;
  /** `Active`, `Suspended`, …, as COS answers it (`status` or `state`). */
  state: string | undefined;
  /** The Basic user COS sends, when the listing shows it (never the password). */
  authUsername: string | undefined;
}

export interface CosRegistrationRequest {
  partnerId: string;
  eventName: string;
  callbackUrl: string;
  authUsername: string;
  authPassword: string;
}

export interface CosApi {
  /** `POST /core/v1/cm/customers` */
  createCore(write: CoreWrite): Promise<CoreCustomerRecord & { replayed: boolean }>;
  /** `POST /core/v1/cm/customers/{id}/addresses` */
  addAddress(customerId: string, write: CoreWrite): Promise<CoreWriteResult>;
  /** `POST /core/v1/cm/customers/{id}/phones` */
  addPhone(customerId: string, write: CoreWrite): Promise<CoreWriteResult>;
  /** `GET /core/v1/cm/customers/{id}`: the current `ofac` and `pepScan`. */
  getCustomer(customerId: string): Promise<CoreCustomerRecord>;
  /** `GET /webhooks/v1/registrations` */
  listRegistrations(): Promise<CosRegistration[]>;
  /** `POST /webhooks/v1/registrations` (Push, HTTP Basic on delivery); the registration when COS answers it. */
  createRegistration(request: CosRegistrationRequest): Promise<CosRegistration | undefined>;
  /** `PUT /webhooks/v1/registrations/{id}/restart`: resumes a Suspended registration. */
  restartRegistration(registrationId: string): Promise<void>;
}

export interface CosClientOptions {
  config: CosConnectionConfig;
  /** Per HTTP request; 30 s by default (COS_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  /** Shared with other clients of the process, or built from the config. */
  tokens?: CosTokenProvider;
  logger?: CosLogger;
  clock?: Clock;
}

/** COS keeps at most 50 characters of an `idempotency-Key` (docs/providers/cos.md, "Idempotency"). */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 50;
const IDEMPOTENCY_KEY_PREFIX = 'kyc-';

/**
 * `kyc-` and the SHA-256 of the seed in hex, cut to 50 characters in all (46 hex digits, 184 bits). The
 * seed (workflow id, run and step) can be longer than COS accepts, and cutting the seed itself could make
 * two steps share a key; a hash keeps every key the same length and distinct, and the same seed always
 * gives the same key, so a retry is recognised as a repeat. The prefix tells our keys from others'.
 */
export function idempotencyKeyOf(seed: string): string {
  const hex = createHash('sha256').update(seed, 'utf8').digest('hex');
  return `${IDEMPOTENCY_KEY_PREFIX}${hex}`.slice(0, IDEMPOTENCY_KEY_MAX_LENGTH);
}

/** COS adds this header when it replays the answer to an earlier request with the same key and body. */
export const REPLAY_HEADER = 'original-request-id';

const enc = encodeURIComponent;

export function createCosClient(options: CosClientOptions): CosApi {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const http = createCosHttp({
    baseUrl: options.config.baseUrl,
    logger,
    clock,
    ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
  });
  const tokens =
    options.tokens ??
    createCosTokenProvider({
      config: options.config,
      logger,
      clock,
      ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
    });

  /**
   * One request with the cached token; on 401 (most likely an expired token) the token is dropped, a new
   * one fetched and the request sent once more, with the same key and the same bytes. A second 401 is
   * classified like any other answer (retryable, an alert).
   */
  async function send(request: Omit<CosHttpRequest, 'bearerToken'>): Promise<CosHttpResponse> {
    const token = await tokens.getToken();
    const first = await http.send({ ...request, bearerToken: token });
    if (first.status !== 401) return first;
    tokens.invalidate(token);
    const fresh = await tokens.getToken();
    logger.info('cos answered 401; retrying once with a new token', { operation: request.operation });
    return http.send({ ...request, bearerToken: fresh });
  }

  function expect<S extends z.ZodType>(operation: string, response: CosHttpResponse, schema: S): z.output<S> {
    if (response.status < 200 || response.status > 299) {
      throw errorFromStatus(operation, response.status, response.headers, response.body, clock.now());
    }
    const parsed = schema.safeParse(response.body);
    if (!parsed.success) throw invalidResponse(operation, parsed.error, response.status);
    return parsed.data;
  }

  const replayed = (response: CosHttpResponse) => response.headers[REPLAY_HEADER] !== undefined;

  async function write(
    operation: string,
    route: string,
    url: string,
    input: CoreWrite,
  ): Promise<CosHttpResponse> {
    return send({
      operation,
      method: 'POST',
      route,
      url,
      body: input.body,
      idempotencyKey: idempotencyKeyOf(input.idempotencySeed),
    });
  }

  async function addRecord(
    operation: string,
    kind: 'addresses' | 'phones',
    customerId: string,
    input: CoreWrite,
  ): Promise<CoreWriteResult> {
    const response = await write(
      operation,
      `/core/v1/cm/customers/{id}/${kind}`,
      `core/v1/cm/customers/${enc(customerId)}/${kind}`,
      input,
    );
    const body = expect(operation, response, createdRecordSchema);
    return { ...(body.id !== undefined && { id: body.id }), replayed: replayed(response) };
  }

  return {
    async createCore(input) {
      const operation = 'createCore';
      const response = await write(operation, '/core/v1/cm/customers', 'core/v1/cm/customers', input);
      return { ...recordOf(expect(operation, response, customerSchema)), replayed: replayed(response) };
    },

    addAddress: (customerId, input) => addRecord('addAddress', 'addresses', customerId, input),

    addPhone: (customerId, input) => addRecord('addPhone', 'phones', customerId, input),

    async getCustomer(customerId) {
      const operation = 'getCustomer';
      const response = await send({
        operation,
        method: 'GET',
        route: '/core/v1/cm/customers/{id}',
        url: `core/v1/cm/customers/${enc(customerId)}`,
      });
      return recordOf(expect(operation, response, customerSchema));
    },

    async listRegistrations() {
      const operation = 'listRegistrations';
      const response = await send({
        operation,
        method: 'GET',
        route: '/webhooks/v1/registrations',
        url: 'webhooks/v1/registrations',
      });
      const items = expect(operation, response, registrationListSchema);
      return items.map((item, index) => {
        const parsed = registrationSchema.safeParse(item);
        if (!parsed.success) throw invalidResponse(operation, parsed.error, response.status, [index]);
        return registrationOf(parsed.data);
      });
    },

    async createRegistration(request) {
      const operation = 'createRegistration';
      // `type` is the API reference's name for the tutorial's `registrationType` (docs/providers/cos.md).
      const body = JSON.stringify({
        partnerId: request.partnerId,
        eventName: request.eventName,
        type: 'Push',
        callbackUrl: request.callbackUrl,
        authUsername: request.authUsername,
        authPassword: request.authPassword,
      });
      const response = await send({
        operation,
        method: 'POST',
        route: '/webhooks/v1/registrations',
        url: 'webhooks/v1/registrations',
        body,
        // A lost answer and a re-run send the same bytes: COS replays the registration, never makes two.
        idempotencyKey: idempotencyKeyOf(`registration:${request.eventName}:${request.callbackUrl}`),
      });
      const answer = expect(operation, response, registrationSchema.optional());
      return answer === undefined ? undefined : registrationOf(answer);
    },

    async restartRegistration(registrationId) {
      const operation = 'restartRegistration';
      const response = await send({
        operation,
        method: 'PUT',
        route: '/webhooks/v1/registrations/{id}/restart',
        url: `webhooks/v1/registrations/${enc(registrationId)}/restart`,
      });
      // Whatever a 2xx carries: only the status matters.
      expect(operation, response, z.unknown());
    },
  };
}

function recordOf(body: CustomerBody): CoreCustomerRecord {
  return {
    id: body.id,
    ...(body.cifNumber !== undefined && { cifNumber: body.cifNumber }),
    ...(body.ofac !== undefined && { ofac: body.ofac }),
    ...(body.pepScan !== undefined && { pepScan: body.pepScan }),
    ...(body.status !== undefined && { status: body.status }),
  };
}

function registrationOf(body: RegistrationBody): CosRegistration {
  return {
    id: body.id,
    eventName: body.eventName,
    callbackUrl: body.callbackUrl,
    state: body.status ?? body.state,
    authUsername: body.authUsername,
  };
}

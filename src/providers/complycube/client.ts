import type { z } from 'zod';
import { silentLogger, type Clock, type ProviderLogger } from '../common/logger';
import {
  ComplyCubeError,
  type ComplyCubeApi,
  type ComplyCubeCheck,
  type ComplyCubeClient,
  type ComplyCubePage,
  type ComplyCubeWebhook,
  type PageRequest,
} from './api';
import { isComplete } from './checks';
import { requireComplyCubeApiKey, type ComplyCubeConfig } from './config';
import { errorFromStatus, invalidResponse } from './errors';
import { createComplyCubeHttp, type ComplyCubeHttpRequest, type ComplyCubeHttpResponse } from './http';
import {
  checkSchema,
  clientSchema,
  createdWebhookSchema,
  pageSchema,
  webhookSchema,
  type CheckBody,
  type ClientBody,
  type WebhookBody,
} from './response-schemas';

export interface ComplyCubeClientOptions {
  config: Pick<ComplyCubeConfig, 'baseUrl' | 'apiKey' | 'retryBackoffMs'>;
  /** Per HTTP request; 10 s by default (COMPLYCUBE_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  logger?: ProviderLogger;
  clock?: Clock;
}

/** ComplyCube's largest page (docs/providers/complycube.md, "Clients"). */
export const MAX_PAGE_SIZE = 100;

const enc = encodeURIComponent;

/**
 * The ComplyCube API client: one HTTP call per method, the API key from the config (a ConfigError naming
 * COMPLYCUBE_API_KEY when unset), errors classified once (errors.ts), every 2xx body checked before use.
 * Create it once per process and pass it to the activities.
 */
export function createComplyCubeClient(options: ComplyCubeClientOptions): ComplyCubeApi {
  const apiKey = requireComplyCubeApiKey(options.config);
  const logger = options.logger ?? silentLogger;
  const http = createComplyCubeHttp({
    baseUrl: options.config.baseUrl,
    apiKey,
    ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
    logger,
    ...(options.clock !== undefined && { clock: options.clock }),
  });
  const backoffMs = options.config.retryBackoffMs;

  async function call<S extends z.ZodType>(request: ComplyCubeHttpRequest, schema: S): Promise<z.output<S>> {
    const response = await http.send(request);
    return expect(request.operation, response, schema);
  }

  function expect<S extends z.ZodType>(
    operation: string,
    response: ComplyCubeHttpResponse,
    schema: S,
  ): z.output<S> {
    if (response.status < 200 || response.status > 299) {
      throw errorFromStatus(operation, response.status, response.body, backoffMs);
    }
    const parsed = schema.safeParse(response.body);
    if (!parsed.success) throw invalidResponse(operation, parsed.error, response.status);
    return parsed.data;
  }

  /** One page, each item checked with `schema`; a bad item names its index. */
  async function page<S extends z.ZodType, T>(
    request: Omit<ComplyCubeHttpRequest, 'method'>,
    paging: PageRequest | undefined,
    schema: S,
    convert: (item: z.output<S>) => T,
  ): Promise<ComplyCubePage<T>> {
    const pageNumber = paging?.page ?? 1;
    const pageSize = Math.min(paging?.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
    const body = await call(
      {
        ...request,
        method: 'GET',
        searchParams: { ...request.searchParams, page: pageNumber, pageSize },
      },
      pageSchema,
    );
    const items = body.items.map((item, index) => {
      const parsed = schema.safeParse(item);
      if (!parsed.success) throw invalidResponse(request.operation, parsed.error, 200, ['items', index]);
      return convert(parsed.data);
    });
    const size = body.pageSize ?? pageSize;
    const pages =
      body.pages ??
      (body.totalItems !== undefined ? Math.ceil(body.totalItems / size) : (body.page ?? pageNumber));
    return {
      page: body.page ?? pageNumber,
      pages,
      ...(body.totalItems !== undefined && { totalItems: body.totalItems }),
      items,
    };
  }

  return {
    findClientsByMetadata: (key, value, paging) =>
      page(
        {
          operation: 'findClients',
          route: '/clients?metadata.{key}',
          path: 'clients',
          searchParams: { [`metadata.${key}`]: value },
        },
        paging,
        clientSchema,
        toClient,
      ),

    listClients: (paging) =>
      page({ operation: 'listClients', route: '/clients', path: 'clients' }, paging, clientSchema, toClient),

    async createClient(body) {
      const operation = 'createClient';
      return toClient(
        await call(
          { operation, method: 'POST', route: '/clients', path: 'clients', json: { ...body } },
          clientSchema,
        ),
      );
    },

    async getClient(clientId) {
      const operation = 'getClient';
      return toClient(
        await call(
          { operation, method: 'GET', route: '/clients/{id}', path: `clients/${enc(clientId)}` },
          clientSchema,
        ),
      );
    },

    async updateClient(clientId, body) {
      const operation = 'updateClient';
      return toClient(
        await call(
          {
            operation,
            method: 'POST',
            route: '/clients/{id}',
            path: `clients/${enc(clientId)}`,
            json: { ...body },
          },
          clientSchema,
        ),
      );
    },

    listChecks: (filter, paging) =>
      page(
        {
          operation: 'listChecks',
          route: '/checks',
          path: 'checks',
          searchParams: {
            clientId: filter.clientId,
            ...(filter.type !== undefined && { type: filter.type }),
          },
        },
        paging,
        checkSchema,
        toCheck,
      ),

    async createCheck(request) {
      const operation = 'createCheck';
      return toCheck(
        await call(
          {
            operation,
            method: 'POST',
            route: '/checks',
            path: 'checks',
            json: {
              clientId: request.clientId,
              type: request.type,
              enableMonitoring: request.enableMonitoring,
            },
          },
          checkSchema,
        ),
      );
    },

    async getCheck(checkId) {
      const operation = 'getCheck';
      return toCheck(
        await call(
          { operation, method: 'GET', route: '/checks/{id}', path: `checks/${enc(checkId)}` },
          checkSchema,
        ),
      );
    },

    async updateCheck(checkId, update) {
      const operation = 'updateCheck';
      return toCheck(
        await call(
          {
            operation,
            method: 'POST',
            route: '/checks/{id}',
            path: `checks/${enc(checkId)}`,
            json: { enableMonitoring: update.enableMonitoring },
          },
          checkSchema,
        ),
      );
    },

    listWebhooks: (paging) =>
      page(
        { operation: 'listWebhooks', route: '/webhooks', path: 'webhooks' },
        paging,
        webhookSchema,
        toWebhook,
      ),

    async createWebhook(request) {
      const operation = 'createWebhook';
      const body = await call(
        {
          operation,
          method: 'POST',
          route: '/webhooks',
          path: 'webhooks',
          json: {
            url: request.url,
            events: request.events,
            description: request.description,
            enabled: request.enabled,
          },
        },
        createdWebhookSchema,
      );
      return { ...toWebhook(body), secret: body.secret };
    },

    async updateWebhook(webhookId, update) {
      const operation = 'updateWebhook';
      return toWebhook(
        await call(
          {
            operation,
            method: 'POST',
            route: '/webhooks/{id}',
            path: `webhooks/${enc(webhookId)}`,
            json: { enabled: update.enabled },
          },
          webhookSchema,
        ),
      );
    },
  };
}

function toClient(body: ClientBody): ComplyCubeClient {
  const person = body.personDetails;
  const company = body.companyDetails;
  return {
    id: body.id,
    ...(body.type !== undefined && { type: body.type }),
    ...(body.externalId !== undefined && { externalId: body.externalId }),
    ...(body.email !== undefined && { email: body.email }),
    ...(person !== undefined && {
      personDetails: {
        ...(person.firstName !== undefined && { firstName: person.firstName }),
        ...(person.middleName !== undefined && { middleName: person.middleName }),
        ...(person.lastName !== undefined && { lastName: person.lastName }),
        ...(person.dob !== undefined && { dob: person.dob }),
        ...(person.nationality !== undefined && { nationality: person.nationality }),
      },
    }),
    ...(company !== undefined && {
      companyDetails: {
        ...(company.name !== undefined && { name: company.name }),
        ...(company.registrationNumber !== undefined && { registrationNumber: company.registrationNumber }),
        ...(company.incorporationCountry !== undefined && {
          incorporationCountry: company.incorporationCountry,
        }),
      },
    }),
    metadata: body.metadata ?? {},
    ...(body.createdAt !== undefined && { createdAt: body.createdAt }),
    ...(body.updatedAt !== undefined && { updatedAt: body.updatedAt }),
  };
}

function toCheck(body: CheckBody): ComplyCubeCheck {
  const outcome = isComplete(body.status) ? body.result?.outcome : undefined;
  return {
    id: body.id,
    clientId: body.clientId,
    type: body.type,
    status: body.status,
    ...(body.enableMonitoring !== undefined && { enableMonitoring: body.enableMonitoring }),
    ...(outcome !== undefined && { outcome }),
    ...(body.createdAt !== undefined && { createdAt: body.createdAt }),
  };
}

function toWebhook(body: WebhookBody): ComplyCubeWebhook {
  return {
    id: body.id,
    url: body.url,
    ...(body.enabled !== undefined && { enabled: body.enabled }),
    events: body.events ?? [],
    ...(body.description !== undefined && { description: body.description }),
  };
}

export { ComplyCubeError };

import type { MeshClientOptions } from './session';
import { createMeshSession } from './session';
import { webhookSchema, type WebhookBody } from './response-schemas';

/**
 * Mesh's webhook configurations (docs/providers/mesh.md, "Webhooks"): what
 * `npm run register-webhooks` needs to point Mesh at the bridge. Apart from the screening client: no
 * workflow or activity ever administers webhooks.
 */

export interface WebhookConfiguration {
  identifier: string;
  url: string;
  type: string;
  name?: string;
  isActive: boolean;
}

export interface RegisterWebhookRequest {
  name: string;
  type: string;
  url: string;
  isActive: boolean;
}

export interface MeshWebhooks {
  listWebhooks(type?: string): Promise<WebhookConfiguration[]>;
  registerWebhook(request: RegisterWebhookRequest): Promise<WebhookConfiguration>;
  updateWebhook(identifier: string, patch: Partial<RegisterWebhookRequest>): Promise<WebhookConfiguration>;
}

const enc = encodeURIComponent;

export function createMeshWebhooks(options: MeshClientOptions): MeshWebhooks {
  const { call, expect, listItems } = createMeshSession(options);
  return {
    async listWebhooks(type?: string): Promise<WebhookConfiguration[]> {
      const operation = 'listWebhooks';
      return listItems(
        operation,
        '/v2/notifications/configurations/webhook',
        'v2/notifications/configurations/webhook',
        webhookSchema,
        toWebhook,
        type !== undefined ? { type } : {},
      );
    },

    async registerWebhook(request: RegisterWebhookRequest): Promise<WebhookConfiguration> {
      const operation = 'registerWebhook';
      const response = await call({
        operation,
        method: 'POST',
        route: '/v2/notifications/configurations/webhook',
        path: 'v2/notifications/configurations/webhook',
        json: { name: request.name, type: request.type, url: request.url, is_active: request.isActive },
      });
      return toWebhook(expect(operation, response, webhookSchema));
    },

    async updateWebhook(
      identifier: string,
      patch: Partial<RegisterWebhookRequest>,
    ): Promise<WebhookConfiguration> {
      const operation = 'updateWebhook';
      const response = await call({
        operation,
        method: 'PATCH',
        route: '/v2/notifications/configurations/webhook/{identifier}',
        path: `v2/notifications/configurations/webhook/${enc(identifier)}`,
        json: {
          ...(patch.name !== undefined && { name: patch.name }),
          ...(patch.type !== undefined && { type: patch.type }),
          ...(patch.url !== undefined && { url: patch.url }),
          ...(patch.isActive !== undefined && { is_active: patch.isActive }),
        },
      });
      return toWebhook(expect(operation, response, webhookSchema));
    },
  };
}

function toWebhook(body: WebhookBody): WebhookConfiguration {
  return {
    identifier: body.identifier,
    url: body.url,
    type: body.type,
    ...(body.name !== undefined && { name: body.name }),
    // Mesh's registration answer always carries is_active; absent means not confirmed.
    isActive: body.is_active ?? false,
  };
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Secret } from '../../../src/providers/mesh/config';
import { createMeshClient } from '../../../src/providers/mesh/client';
import { createMeshWebhooks } from '../../../src/providers/mesh/webhooks';
import { MeshError } from '../../../src/providers/mesh/api';
import type { TokenProvider } from '../../../src/providers/mesh/token-provider';

/**
 * Answers the sandbox never gives (a body that breaks the contract, a redirect to another host), from
 * a tiny local server scripted per test. Everything else is tested against the sandbox itself.
 */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ url: string; server: Server; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

const close = (server: Server) => new Promise((resolve) => server.close(resolve));
const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};
const fixedToken: TokenProvider = { getToken: () => Promise.resolve('tok-123'), invalidate: () => undefined };

/** The smallest request the client sends; these servers answer it whatever it holds. */
const SCREEN_REQUEST = {
  customer: { external_identifier: 'E', person: { last_name: 'X' } },
  screeningConfigurationIdentifier: 'c',
  monitoringEnabled: true,
};

function optionsFor(baseUrl: string) {
  return {
    config: {
      baseUrl,
      requestTimeoutMs: 2_000,
      credentials: { kind: 'access-key' as const, accessKey: 'k', secret: new Secret('s') },
    },
    tokenProvider: fixedToken,
  };
}

const clientFor = (baseUrl: string) => createMeshClient(optionsFor(baseUrl));

describe('Mesh client edge cases (scripted server)', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(close));
  });

  it('does not carry the token to a redirect outside MESH_BASE_URL', async () => {
    const elsewhere = await serve((_req, res) => json(res, 200, {}));
    const mesh = await serve((_req, res) => {
      res.writeHead(308, { location: `${elsewhere.url}/v2/customers/cust_1` }).end();
    });
    servers.push(elsewhere.server, mesh.server);
    const error = (await clientFor(mesh.url)
      .getCustomerByExternalIdentifier('EXT-1')
      .catch((e: unknown) => e)) as MeshError;
    expect(error).toBeInstanceOf(MeshError);
    expect(error).toMatchObject({ kind: 'INVALID_RESPONSE', retryable: false });
    expect(elsewhere.seen).toHaveLength(0);
  });

  it('keeps the token on a redirect within MESH_BASE_URL, including a base path', async () => {
    const mesh = await serve((req, res) => {
      if (req.url === '/mesh/v2/customers/external/EXT%201') {
        res.writeHead(308, { location: '/mesh/v2/customers/cust_1' }).end();
      } else {
        json(res, 200, {
          identifier: 'cust_1',
          external_identifier: 'EXT 1',
          person: { last_name: 'X' },
          risk_level: 'LOW-RISK',
        });
      }
    });
    servers.push(mesh.server);
    const record = await clientFor(`${mesh.url}/mesh`).getCustomerByExternalIdentifier('EXT 1');
    expect(record).toMatchObject({ customerIdentifier: 'cust_1', riskLevel: 'LOW-RISK' });
    expect(mesh.seen.map((r) => [r.url, r.headers.authorization])).toEqual([
      ['/mesh/v2/customers/external/EXT%201', 'Bearer tok-123'],
      ['/mesh/v2/customers/cust_1', 'Bearer tok-123'],
    ]);
  });

  it('names the missing field when a 2xx body lacks what the client needs, and does not retry it', async () => {
    const mesh = await serve((_req, res) =>
      json(res, 200, {
        status: 'COMPLETED',
        step_details: { 'customer-creation': { status: 'COMPLETED', step_output: {} } },
      }),
    );
    servers.push(mesh.server);
    const error = (await clientFor(mesh.url)
      .createAndScreen(SCREEN_REQUEST)
      .catch((e: unknown) => e)) as MeshError;
    expect(error).toMatchObject({ kind: 'INVALID_RESPONSE', retryable: false });
    expect(error.message).toContain('step_details.customer-creation.step_output.customer_identifier');
  });

  it('refuses a list page without an item list rather than reading it as "no cases"', async () => {
    const mesh = await serve((_req, res) =>
      json(res, 200, { total_count: 1, entries: { identifier: 'case_1' } }),
    );
    servers.push(mesh.server);
    const error = (await clientFor(mesh.url)
      .listCustomerCases('cust_1')
      .catch((e: unknown) => e)) as MeshError;
    expect(error).toMatchObject({ kind: 'INVALID_RESPONSE', retryable: false });
    expect(error.message).toContain('response.items');
  });

  it('refuses a webhook registration answer without its url, naming the path', async () => {
    const mesh = await serve((_req, res) => json(res, 201, { identifier: 'wh_1', type: 'CASE_CREATED' }));
    servers.push(mesh.server);
    const error = (await createMeshWebhooks(optionsFor(mesh.url))
      .registerWebhook({ name: 'n', type: 'CASE_CREATED', url: 'https://x.test', isActive: true })
      .catch((e: unknown) => e)) as MeshError;
    expect(error).toMatchObject({ kind: 'INVALID_RESPONSE', retryable: false });
    expect(error.message).toContain('response.url');
  });

  it('treats a 409 outside create-and-screen as CONFLICT, not retryable, without its prose', async () => {
    const mesh = await serve((_req, res) =>
      json(res, 409, { title: 'Conflict', detail: 'Customer Victor Bout is being edited' }),
    );
    servers.push(mesh.server);
    const error = (await clientFor(mesh.url)
      .setMonitoring('cust_1', false)
      .catch((e: unknown) => e)) as MeshError;
    expect(error).toMatchObject({ kind: 'CONFLICT', retryable: false });
    expect(error.message).toBe('Mesh setMonitoring failed: 409 Conflict');
  });

  it('reports a 403 on any call as retryable FORBIDDEN marked as a credentials problem', async () => {
    const mesh = await serve((_req, res) => json(res, 403, { message: 'User api@acme.test lacks a role' }));
    servers.push(mesh.server);
    const error = (await clientFor(mesh.url)
      .getCase('case_1')
      .catch((e: unknown) => e)) as MeshError;
    expect(error).toMatchObject({ kind: 'FORBIDDEN', retryable: true, details: { credentials: true } });
    expect(error.message).toBe('Mesh getCase failed: 403 Forbidden');
  });
});

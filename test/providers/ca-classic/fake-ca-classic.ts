import type { AddressInfo } from 'node:net';
import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ScreeningResume } from '../../../src/contracts/screening-activities';
import type { ActivityLogger } from '../../../src/providers/common/logger';

/**
 * A small in-memory ComplyAdvantage classic `/searches` API for the adapter's unit tests: the routes the
 * adapter calls, the `{status, content}` envelope, `Authorization: Token <key>`, `{code, message, status:
 * "failure"}` errors, list filters (tags, search_term, date_from), and scripted faults (an answer instead of
 * the route's, or after it; or the socket destroyed after the route ran: a lost response). Every request is
 * recorded, so a test counts exactly what one activity invocation sent. Depends on nothing but this file.
 */

export const API_KEY = 'ca-test-key';

export interface RecordedRequest {
  method: string;
  path: string;
  url: string;
  query: Record<string, string>;
  body: unknown;
  authorization: string | undefined;
}

export interface FakeHit {
  entityId: string;
  types: string[];
}

export interface StoredSearch {
  id: number;
  ref: string;
  search_term: unknown;
  /** The term as one string (what the API echoes and filters on). */
  term: string;
  client_ref?: string;
  search_profile?: string;
  filters: Record<string, unknown>;
  tags: Record<string, string>;
  match_status: string;
  risk_level: string;
  hits: FakeHit[];
  whitelisted: string[];
  created_at: string;
  is_monitored: boolean;
}

export interface Fault {
  method: string;
  /** Matched against the path, e.g. /searches or /searches/1001/monitors. */
  path: string | RegExp;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Run the route first, then answer with the fault: the effect stays, the answer is replaced. */
  afterHandling?: boolean;
  /** Run the route, then destroy the connection: the effect stays, no answer arrives. */
  lose?: boolean;
  count?: number;
}

/** What an item of `GET /searches` and `GET /searches/{id}` carry besides the overview. */
export interface ReadShape {
  clientRef: boolean;
  tags: boolean;
}

export class FakeCaClassic {
  readonly requests: RecordedRequest[] = [];
  readonly searches: StoredSearch[] = [];
  /** Names (lower case, as a substring of the term) that hit, and their entities. */
  watchlist: { name: string; hits: FakeHit[]; riskLevel?: string }[] = [
    {
      name: 'mugabe',
      hits: [{ entityId: 'RU4326M8GFUAHMF', types: ['sanction', 'pep'] }],
      riskLevel: 'unknown',
    },
    {
      name: 'putin',
      hits: [
        { entityId: 'E1', types: ['pep'] },
        { entityId: 'E2', types: ['sanction'] },
      ],
    },
  ];
  /** Entities dismissed per client_ref: returned with `is_whitelisted: true` on later searches. */
  readonly whitelist = new Map<string, string[]>();
  /** Ids answered as strings instead of numbers. */
  idsAsStrings = false;
  /** What list items carry. */
  listShape: ReadShape = { clientRef: true, tags: true };
  /** What `GET /searches/{id}` carries. */
  getShape: ReadShape = { clientRef: true, tags: true };
  /** A list filter the account ignores: every search listed. */
  filtersIgnored = false;
  /** The time the fake stamps new searches with (ms). */
  clock = () => Date.now();
  private faults: (Fault & { left: number })[] = [];
  private sequence = 1000;

  url = '';

  private constructor(private readonly app: FastifyInstance) {}

  static async start(): Promise<FakeCaClassic> {
    const app = Fastify({ logger: false });
    const fake = new FakeCaClassic(app);
    app.addHook('onRequest', async (request, reply) => {
      fake.requests.push({
        method: request.method,
        path: request.url.split('?')[0]!,
        url: request.url,
        query: { ...(request.query as Record<string, string>) },
        body: undefined,
        authorization: request.headers.authorization,
      });
      if (request.headers.authorization !== `Token ${API_KEY}`) {
        return reply.code(401).send({ code: 401, message: 'Invalid API key ca-test…', status: 'failure' });
      }
      return undefined;
    });
    app.addHook('preHandler', async (request, reply) => {
      fake.requests.at(-1)!.body = request.body;
      const fault = fake.faultFor(request, 'before');
      if (fault !== undefined) {
        return reply
          .code(fault.status ?? 500)
          .headers(fault.headers ?? {})
          .send(fault.body ?? { code: fault.status ?? 500, message: 'Fault', status: 'failure' });
      }
      return undefined;
    });
    app.addHook('onSend', async (request, reply, payload) => {
      const lost = fake.faultFor(request, 'lose');
      if (lost !== undefined) {
        request.raw.socket.destroy();
        return payload;
      }
      const fault = fake.faultFor(request, 'after');
      if (fault === undefined) return payload;
      reply.code(fault.status ?? 500).headers(fault.headers ?? {});
      return JSON.stringify(fault.body ?? { code: fault.status ?? 500, message: 'Fault', status: 'failure' });
    });
    fake.routes(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    fake.url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    return fake;
  }

  close(): Promise<void> {
    return this.app.close();
  }

  fault(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.count ?? 1 });
  }

  /** Requests since `from`, as `METHOD /path`. */
  sent(from = 0): string[] {
    return this.requests.slice(from).map((r) => `${r.method} ${r.path}`);
  }

  seedSearch(search: Partial<StoredSearch> & { term: string }): StoredSearch {
    this.sequence += 1;
    const hits = search.hits ?? [];
    const stored: StoredSearch = {
      id: this.sequence,
      ref: `ref-${this.sequence}`,
      search_term: search.term,
      filters: {},
      tags: {},
      match_status: hits.length > 0 ? 'potential_match' : 'no_match',
      risk_level: 'unknown',
      whitelisted: [],
      created_at: stamp(this.clock()),
      is_monitored: false,
      ...search,
      hits,
    };
    this.searches.push(stored);
    return stored;
  }

  find(id: number | string): StoredSearch | undefined {
    return this.searches.find((s) => String(s.id) === String(id));
  }

  private faultFor(request: FastifyRequest, when: 'before' | 'after' | 'lose'): Fault | undefined {
    const path = request.url.split('?')[0]!;
    const fault = this.faults.find(
      (f) =>
        f.left > 0 &&
        (f.lose === true ? 'lose' : f.afterHandling === true ? 'after' : 'before') === when &&
        f.method === request.method &&
        (typeof f.path === 'string' ? f.path === path : f.path.test(path)),
    );
    if (fault !== undefined) fault.left -= 1;
    return fault;
  }

  /** A search as the API answers it: `hits` for create and details, `shape` for reads. */
  view(search: StoredSearch, options: { hits: boolean; shape?: ReadShape }): Record<string, unknown> {
    const shape = options.shape ?? { clientRef: true, tags: true };
    const whitelisted = this.whitelist.get(search.client_ref ?? '') ?? [];
    return {
      id: this.idsAsStrings ? String(search.id) : search.id,
      ref: search.ref,
      searcher_id: 1,
      assignee_id: 1,
      ...(search.search_profile !== undefined && {
        search_profile: { name: search.search_profile, slug: search.search_profile },
      }),
      filters: { ...search.filters, exact_match: false, fuzziness: 0.6 },
      match_status: search.match_status,
      risk_level: search.risk_level,
      search_term: search.term,
      submitted_term: search.term,
      ...(shape.clientRef && search.client_ref !== undefined && { client_ref: search.client_ref }),
      total_hits: search.hits.length,
      ...(shape.tags && { tags: Object.keys(search.tags).length > 0 ? search.tags : [] }),
      created_at: search.created_at,
      updated_at: search.created_at,
      ...(options.hits && {
        hits: search.hits.map((hit) => ({
          doc: { id: hit.entityId, entity_type: 'person', name: 'Someone Listed', types: hit.types },
          match_types: ['name_exact'],
          score: 1.5,
          is_whitelisted: whitelisted.includes(hit.entityId) || search.whitelisted.includes(hit.entityId),
        })),
      }),
    };
  }

  private routes(app: FastifyInstance): void {
    const notFound = (reply: FastifyReply) =>
      reply.code(404).send({ code: 404, message: 'Search not found', status: 'failure' });
    const ok = (content: unknown) => ({ status: 'success', content });

    app.post('/searches', (request) => {
      const body = request.body as {
        search_term: unknown;
        client_ref?: string;
        search_profile?: string;
        filters?: Record<string, unknown>;
        tags?: Record<string, string>;
      };
      const term =
        typeof body.search_term === 'string'
          ? body.search_term
          : ['first_name', 'middle_names', 'last_name']
              .map((k) => (body.search_term as Record<string, string | undefined>)[k])
              .filter((v) => v !== undefined)
              .join(' ');
      const listed = this.watchlist.find((entry) => term.toLowerCase().includes(entry.name));
      const hits = listed?.hits ?? [];
      const dismissed = this.whitelist.get(body.client_ref ?? '') ?? [];
      const open = hits.filter((hit) => !dismissed.includes(hit.entityId));
      const search = this.seedSearch({
        term,
        search_term: body.search_term,
        ...(body.client_ref !== undefined && { client_ref: body.client_ref }),
        ...(body.search_profile !== undefined && { search_profile: body.search_profile }),
        filters: body.filters ?? {},
        tags: body.tags ?? {},
        hits,
        match_status: open.length > 0 ? 'potential_match' : 'no_match',
        risk_level: listed?.riskLevel ?? 'unknown',
      });
      return { code: 200, ...ok({ data: this.view(search, { hits: true }) }) };
    });

    app.get('/searches', (request) => {
      const query = request.query as Record<string, string>;
      let items = [...this.searches];
      if (!this.filtersIgnored) {
        if (query.tags !== undefined) {
          const [name, ...value] = query.tags.split(':');
          items = items.filter((s) => s.tags[name!] === value.join(':'));
        }
        if (query.search_term !== undefined) {
          items = items.filter((s) => s.term.toLowerCase().includes(query.search_term!.toLowerCase()));
        }
        if (query.date_from !== undefined) {
          items = items.filter((s) => s.created_at.slice(0, 10) >= query.date_from!);
        }
      }
      const dir = query.sort_dir === 'desc' ? -1 : 1;
      items.sort((a, b) => dir * (a.created_at.localeCompare(b.created_at) || a.id - b.id));
      const perPage = Math.min(Number(query.per_page ?? 100), 100);
      const page = Number(query.page ?? 1);
      const data = items
        .slice((page - 1) * perPage, page * perPage)
        .map((s) => this.view(s, { hits: false, shape: this.listShape }));
      return ok({ data });
    });

    app.get<{ Params: { id: string } }>('/searches/:id', async (request, reply) => {
      const search = this.find(request.params.id);
      if (search === undefined) return notFound(reply);
      return ok({ data: this.view(search, { hits: false, shape: this.getShape }) });
    });

    app.get<{ Params: { id: string } }>('/searches/:id/details', async (request, reply) => {
      const search = this.find(request.params.id);
      if (search === undefined) return notFound(reply);
      return ok({ data: this.view(search, { hits: true, shape: this.getShape }) });
    });

    const monitors = (search: StoredSearch) =>
      ok({
        search_id: this.idsAsStrings ? String(search.id) : search.id,
        ref: search.ref,
        is_monitored: search.is_monitored,
        monitors: { monitored_by: 1, created_at: search.created_at, updated_at: search.created_at },
      });

    app.patch<{ Params: { id: string } }>('/searches/:id/monitors', async (request, reply) => {
      const search = this.find(request.params.id);
      if (search === undefined) return notFound(reply);
      search.is_monitored = (request.body as { is_monitored: boolean }).is_monitored;
      return monitors(search);
    });

    app.get<{ Params: { id: string } }>('/searches/:id/monitors', async (request, reply) => {
      const search = this.find(request.params.id);
      if (search === undefined) return notFound(reply);
      return monitors(search);
    });
  }
}

/** `YYYY-MM-DD HH:MM:SS`, UTC, as the API writes search times. */
export function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

// --- running activities as Temporal would -----------------------------------------------------------

/** One activity invocation (attempt 1 unless told, scheduled now unless told), as the worker runs it. */
export function runActivity<I, R>(
  fn: (input: I) => Promise<R>,
  input: I,
  info: Partial<Info> = {},
): Promise<R> {
  const env = new MockActivityEnvironment(
    { attempt: 1, scheduledTimestampMs: Date.now(), ...info },
    { logger: new DefaultLogger('ERROR') },
  );
  return env.run(fn, input);
}

/** Calls an activity again with `resume: next` until it finishes, as the workflow does; one invocation per step. */
export async function drive<I extends { resume?: ScreeningResume }, R>(
  fn: (input: I) => Promise<R | { next?: ScreeningResume }>,
  input: I,
  fake: FakeCaClassic,
  maxSteps = 20,
): Promise<{ result: R; steps: string[]; requestsPerStep: number[]; nexts: ScreeningResume[] }> {
  const steps: string[] = [];
  const requestsPerStep: number[] = [];
  const nexts: ScreeningResume[] = [];
  let resume: ScreeningResume | undefined = input.resume;
  for (let i = 0; i < maxSteps; i++) {
    const before = fake.requests.length;
    steps.push(resume?.step ?? 'start');
    const result = await runActivity(fn, { ...input, ...(resume !== undefined && { resume }) });
    requestsPerStep.push(fake.requests.length - before);
    const next = (result as { next?: ScreeningResume }).next;
    if (next === undefined) return { result: result as R, steps, requestsPerStep, nexts };
    nexts.push(next);
    resume = next;
  }
  throw new Error(`not finished after ${maxSteps} steps: ${steps.join(' → ')}`);
}

/** A logger that keeps every line, message and attributes, as one string each. */
export function capturingLogger(): ActivityLogger & { lines: string[]; debug: ActivityLogger['info'] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, meta?: Record<string, unknown>) =>
    void lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
  return { lines, info: keep('info'), warn: keep('warn'), debug: keep('debug') };
}

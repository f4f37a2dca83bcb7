import {
  DEFAULT_CA_CLASSIC_API_KEY,
  DEFAULT_CA_CLASSIC_SETTINGS,
  FIRST_SEARCH_ID,
  startCaClassicSandbox,
  type CaClassicSandbox,
  type CaClassicSandboxOptions,
  type CaClassicWebhookBody,
} from '../../src/sandbox/ca-classic';
import { CaClassicSandboxControl } from '../../testkit/ca-classic-sandbox-control';
import { HttpReceiver, type ReceivedRequest } from '../../testkit/http-receiver';
import { waitFor } from '../../testkit/wait';

/**
 * The ComplyAdvantage classic `/searches` sandbox (docs/providers/ca-classic-sandbox.md): authentication,
 * every endpoint and its shapes, validation, the name table, whitelisting, the analyst's decisions and
 * monitoring changes with their webhooks, and every fault knob.
 */

const KEY = 'ca-test-key';
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

type Auth = 'header' | 'query' | 'both' | 'none';

/** The search as `content.data` holds it, loosely typed. */
type Data = Record<string, unknown> & {
  id: number;
  hits?: {
    doc: { id: string; name: string; types: string[] };
    match_types: string[];
    is_whitelisted: boolean;
  }[];
};

class CaApi {
  constructor(
    readonly url: string,
    private readonly key = KEY,
  ) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    auth: Auth = 'header',
    headers: Record<string, string> = {},
  ): Promise<Answer<T>> {
    const withKey =
      auth === 'query' || auth === 'both'
        ? `${path}${path.includes('?') ? '&' : '?'}api_key=${encodeURIComponent(this.key)}`
        : path;
    const response = await fetch(`${this.url}${withKey}`, {
      method,
      headers: {
        ...(auth === 'header' || auth === 'both' ? { authorization: `Token ${this.key}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text === '' ? {} : JSON.parse(text)) as T,
    };
  }

  /** `content.data` of a 200, or throws with the answer. */
  async data(method: string, path: string, body?: unknown): Promise<Data> {
    const answer = await this.request<{ status: string; content: { data: Data } }>(method, path, body);
    if (answer.status !== 200)
      throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    expect(answer.body.status).toBe('success');
    return answer.body.content.data;
  }

  search(body: Record<string, unknown>): Promise<Data> {
    return this.data('POST', '/searches', body);
  }

  async list(query = ''): Promise<Data[]> {
    return (await this.data('GET', `/searches${query}`)) as unknown as Data[];
  }
}

function useSandbox(options: CaClassicSandboxOptions = {}): {
  api: () => CaApi;
  control: () => CaClassicSandboxControl;
  sandbox: () => CaClassicSandbox;
} {
  let sandbox: CaClassicSandbox | undefined;
  let control: CaClassicSandboxControl | undefined;
  beforeAll(async () => {
    sandbox = await startCaClassicSandbox({ apiKey: KEY, ...options });
    control = new CaClassicSandboxControl(sandbox.url);
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(async () => {
    await control!.reset();
  });
  return { api: () => new CaApi(sandbox!.url), control: () => control!, sandbox: () => sandbox! };
}

const bodyOf = (request: ReceivedRequest) =>
  JSON.parse(request.body.toString('utf8')) as CaClassicWebhookBody & { data: Record<string, unknown> };

const MUGABE = { first_name: 'Robert', middle_names: 'Gabriel', last_name: 'Mugabe' };

describe('CA classic sandbox: authentication', () => {
  const { api, control, sandbox } = useSandbox();

  it('takes the key as `Authorization: Token <key>` or as `?api_key=`, and logs which', async () => {
    expect((await api().request('GET', '/searches', undefined, 'header')).status).toBe(200);
    expect((await api().request('GET', '/searches', undefined, 'query')).status).toBe(200);
    expect((await api().request('GET', '/searches', undefined, 'both')).status).toBe(200);
    expect(
      (await api().request('GET', '/users', undefined, 'none', { authorization: `token ${KEY}` })).status,
    ).toBe(200);
    const log = await control().requests();
    expect(log.map((r) => [r.path, r.auth, r.queryKey, r.status])).toEqual([
      ['/searches', 'header', false, 200],
      ['/searches', 'query', true, 200],
      ['/searches', 'both', true, 200],
      ['/users', 'header', false, 200],
    ]);
    // The key itself is never logged, only that the parameter was there.
    expect(JSON.stringify(log)).not.toContain(KEY);
    expect(log[1]?.queryParameters).toEqual(['api_key']);
    expect((await control().requests({ queryKey: true })).length).toBe(2);
    expect((await control().stats()).queryKeyRequests).toBe(2);
  });

  it('answers 401 in the failure envelope without a key, with a wrong one, or with another scheme', async () => {
    const wrong = new CaApi(sandbox().url, 'not-the-key');
    const answers = await Promise.all([
      api().request('POST', '/searches', { search_term: 'Jane Doe' }, 'none'),
      wrong.request('GET', '/searches', undefined, 'header'),
      wrong.request('GET', '/searches', undefined, 'query'),
      api().request('GET', '/searches', undefined, 'none', { authorization: `Bearer ${KEY}` }),
      api().request('GET', '/searches', undefined, 'none', { authorization: KEY }),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ code: 401, message: expect.any(String), status: 'failure' });
    }
    expect(await control().searchesOf()).toEqual([]);
  });

  it('serves the default key when none is configured', async () => {
    const other = await startCaClassicSandbox();
    try {
      const answer = await new CaApi(other.url, DEFAULT_CA_CLASSIC_API_KEY).request('GET', '/users');
      expect(answer.status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('CA classic sandbox: POST /searches', () => {
  const { api, control } = useSandbox();

  it("answers the reference's shape: integer id, ref, filters echoed, timestamps, hits, searcher and assignee", async () => {
    const data = await api().search({
      search_term: MUGABE,
      client_ref: 'CUST000456',
      fuzziness: 0.6,
      filters: { birth_year: 1924 },
    });
    expect(data).toEqual({
      id: FIRST_SEARCH_ID,
      ref: expect.stringMatching(/^\d{10}-[A-Za-z0-9]{8}$/),
      searcher_id: 1,
      assignee_id: 1,
      filters: {
        birth_year: 1924,
        country_codes: [],
        remove_deceased: 0,
        exact_match: false,
        fuzziness: 0.6,
      },
      match_status: 'potential_match',
      risk_level: 'unknown',
      search_term: 'Robert Gabriel Mugabe',
      submitted_term: 'Robert Gabriel Mugabe',
      client_ref: 'CUST000456',
      total_hits: 1,
      updated_at: expect.stringMatching(TIMESTAMP),
      created_at: expect.stringMatching(TIMESTAMP),
      tags: [],
      limit: 100,
      offset: 0,
      searcher: {
        id: 1,
        email: 'teamadmin@example.com',
        name: 'Team Administrator',
        phone: null,
        created_at: '2015-06-11 12:05:14',
      },
      assignee: expect.objectContaining({ id: 1 }),
      hits: [
        {
          doc: expect.objectContaining({
            id: 'KCVZXTP179KK5KY',
            entity_type: 'person',
            name: 'Robert Mugabe',
            first_name: 'Robert',
            last_name: 'Mugabe',
            types: ['sanction', 'pep'],
            aka: [{ name: 'Robert Gabriel Mugabe' }],
            associates: [{ name: 'Grace Mugabe', association: 'Spouse' }],
            sources: expect.any(Array),
            fields: expect.arrayContaining([
              { name: 'Date of Birth', tag: 'date_of_birth', value: '1924-02-21', source: 'example-2-list' },
            ]),
            media: [expect.objectContaining({ date: '2018-09-17T00:00:00Z', url: expect.any(String) })],
            last_updated_utc: expect.any(String),
          }),
          match_types: ['aka_exact', 'year_of_birth'],
          score: 3.511,
          is_whitelisted: false,
        },
      ],
    });
    expect(data).not.toHaveProperty('share_url');
    const second = await api().search({ search_term: 'Jane Doe', tags: { kyc_ref: 'onb-1' } });
    expect(second.id).toBe(FIRST_SEARCH_ID + 1);
    expect(second.tags).toEqual({ kyc_ref: 'onb-1' });
    expect(second).not.toHaveProperty('client_ref');
  });

  const OUTCOMES: [string, Record<string, unknown>, number, string, string, string[][]][] = [
    [
      'Robert Mugabe',
      { search_term: 'Robert Mugabe' },
      1,
      'potential_match',
      'unknown',
      [['sanction', 'pep']],
    ],
    [
      'the object form',
      { search_term: { first_name: 'Robert', last_name: 'Mugabe' } },
      1,
      'potential_match',
      'unknown',
      [['sanction', 'pep']],
    ],
    [
      'case and spaces aside',
      { search_term: '  robert   GABRIEL mugabe ' },
      1,
      'potential_match',
      'unknown',
      [['sanction', 'pep']],
    ],
    [
      'born 1924 (as a string)',
      { search_term: 'Robert Mugabe', filters: { birth_year: '1924' } },
      1,
      'potential_match',
      'unknown',
      [['sanction', 'pep']],
    ],
    ['born 1950', { search_term: MUGABE, filters: { birth_year: 1950 } }, 0, 'no_match', 'low', []],
    ['Hugo Jinkis', { search_term: 'Hugo Jinkis' }, 1, 'potential_match', 'medium', [[]]],
    [
      'A Bad Company Ltd',
      { search_term: 'A Bad Company Ltd' },
      1,
      'potential_match',
      'unknown',
      [['sanction', 'warning']],
    ],
    [
      'a company as a name object',
      { search_term: { last_name: 'A Bad Company Ltd' } },
      0,
      'no_match',
      'low',
      [],
    ],
    ['anyone else', { search_term: 'Jane Doe' }, 0, 'no_match', 'low', []],
  ];

  it.each(OUTCOMES)('screens %s', async (_label, body, hits, matchStatus, riskLevel, types) => {
    const data = await api().search(body);
    expect([data.total_hits, data.match_status, data.risk_level]).toEqual([hits, matchStatus, riskLevel]);
    expect(data.hits?.map((h) => h.doc.types)).toEqual(types);
  });

  it('finds Vladimir Putin 7 times, high risk, and applies limit, offset, types, countries, deceased and exactness', async () => {
    const all = await api().search({ search_term: 'Vladimir Putin' });
    expect([all.total_hits, all.hits?.length, all.match_status, all.risk_level]).toEqual([
      7,
      7,
      'potential_match',
      'high',
    ]);
    const ids = all.hits!.map((h) => h.doc.id);
    expect(new Set(ids).size).toBe(7);

    const page = await api().search({ search_term: 'Vladimir Putin', limit: 3, offset: 5 });
    expect([page.total_hits, page.limit, page.offset, page.hits?.map((h) => h.doc.id)]).toEqual([
      7,
      3,
      5,
      ids.slice(5),
    ]);
    const sanctions = await api().search({ search_term: 'Vladimir Putin', filters: { types: ['sanction'] } });
    expect(sanctions.hits?.map((h) => h.doc.types)).toEqual([['sanction', 'pep', 'pep-class-1']]);
    expect(sanctions.filters).toMatchObject({ types: ['sanction'] });
    // PEP-only entities of other countries drop; sanctioned, adverse-media-only and countryless ones stay.
    const russia = await api().search({ search_term: 'Vladimir Putin', filters: { country_codes: ['ru'] } });
    expect(russia.total_hits).toBe(5);
    expect(russia.filters).toMatchObject({ country_codes: ['RU'] });
    const living = await api().search({ search_term: 'Vladimir Putin', filters: { remove_deceased: '1' } });
    expect([living.total_hits, (living.filters as Record<string, unknown>).remove_deceased]).toEqual([6, 1]);
    const exact = await api().search({ search_term: 'Vladimir Putin', fuzziness: 0 });
    expect(exact.hits?.every((h) => h.match_types.some((t) => t.endsWith('_exact')))).toBe(true);
    expect(exact.total_hits).toBe(6);
  });

  it('adds a share URL when asked, and echoes the search profile', async () => {
    const data = await api().search({
      search_term: 'Jane Doe',
      search_profile: 'my-usa-profile-1',
      share_url: 1,
    });
    expect(data.share_url).toMatch(new RegExp(`/public/search/${String(data.ref)}/[0-9a-f]{12}$`));
    expect(data.search_profile).toEqual({ name: 'My Usa Profile 1', slug: 'my-usa-profile-1' });
  });

  it('refuses an invalid search with 400 in the failure envelope, naming the field, and creates nothing', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /^search_term is required$/],
      [{ search_term: '  ' }, /^search_term is required$/],
      [{ search_term: 42 }, /^search_term is invalid/],
      [{ search_term: { first_name: 'Robert' } }, /^search_term\.last_name is required$/],
      [
        { search_term: { last_name: 'Mugabe', title: 'Mr' } },
        /^search_term\.title is not a known parameter$/,
      ],
      [{ search_term: 'X', search_profile: 'p', filters: { types: ['pep'] } }, /mutually exclusive/],
      [{ search_term: 'X', tags: { unknown_tag: 'v' } }, /tag name "unknown_tag" does not exist/],
      [{ search_term: 'X', limit: 101 }, /^limit is invalid/],
      [{ search_term: 'X', limit: 0 }, /^limit is invalid/],
      [{ search_term: 'X', offset: -1 }, /^offset is invalid/],
      [{ search_term: 'X', fuzziness: 1.5 }, /^fuzziness is invalid/],
      [{ search_term: 'X', filters: { types: ['pep-class-9'] } }, /^filters\.types\.0 is invalid/],
      [{ search_term: 'X', filters: { birth_year: 'nineteen' } }, /^filters\.birth_year is invalid/],
      [{ search_term: 'X', filters: { country_codes: ['GBR'] } }, /^filters\.country_codes\.0 is invalid/],
      [{ search_term: 'X', share_url: 2 }, /^share_url is invalid/],
      [{ search_term: 'X', clientRef: 'C1' }, /^clientRef is not a known parameter$/],
      ['{"search_term": ', /not valid JSON/],
    ];
    for (const [body, message] of cases) {
      const answer = await api().request('POST', '/searches', body);
      expect([JSON.stringify(body), answer.status]).toEqual([JSON.stringify(body), 400]);
      expect(answer.body).toEqual({ code: 400, message: expect.stringMatching(message), status: 'failure' });
    }
    expect(await control().searchesOf()).toEqual([]);
  });

  it('takes the tag names the settings list (SANDBOX_CA_CLASSIC_TAGS)', async () => {
    await control().settings({ tagNames: ['kyc_ref', 'BackOfficeURL'] });
    const data = await api().search({
      search_term: 'Jane Doe',
      tags: { BackOfficeURL: 'https://bo/1', kyc_ref: 7 },
    });
    expect(data.tags).toEqual({ BackOfficeURL: 'https://bo/1', kyc_ref: '7' });
  });
});

describe('CA classic sandbox: reading searches', () => {
  const { api, control } = useSandbox();

  it('GET /searches/{id} is the overview: no hits, client_ref while readsClientRef, share_url when asked', async () => {
    const created = await api().search({
      search_term: 'Hugo Jinkis',
      client_ref: 'C-7',
      tags: { kyc_ref: 'k' },
    });
    const overview = await api().data('GET', `/searches/${created.id}`);
    expect(Object.keys(overview)).toEqual([
      'id',
      'ref',
      'searcher_id',
      'assignee_id',
      'filters',
      'match_status',
      'risk_level',
      'search_term',
      'submitted_term',
      'client_ref',
      'total_hits',
      'updated_at',
      'created_at',
      'tags',
    ]);
    expect(overview).toMatchObject({
      id: created.id,
      client_ref: 'C-7',
      total_hits: 1,
      tags: { kyc_ref: 'k' },
    });
    const shared = await api().data('GET', `/searches/${created.id}?share_url=1`);
    expect(shared.share_url).toMatch(/\/public\/search\//);

    const details = await api().data('GET', `/searches/${created.id}/details`);
    expect(details).toMatchObject({ client_ref: 'C-7', limit: 100, offset: 0, searcher: { id: 1 } });
    expect(details.hits?.map((h) => h.doc.id)).toEqual(['BYKUB1NQ8RPEC7T']);

    await control().settings({ readsClientRef: false });
    expect(await api().data('GET', `/searches/${created.id}`)).not.toHaveProperty('client_ref');
    expect(await api().data('GET', `/searches/${created.id}/details`)).not.toHaveProperty('client_ref');
    // The create answer carries it regardless, as the reference shows.
    expect((await api().search({ search_term: 'Jane Doe', client_ref: 'C-8' })).client_ref).toBe('C-8');
    expect((await control().search(created.id)).client_ref).toBe('C-7');
  });

  it('answers 404 in the failure envelope for an unknown or malformed id, and an unknown route', async () => {
    for (const path of ['/searches/999999', '/searches/abc/details', '/searches/1.5', '/nowhere']) {
      const answer = await api().request('GET', path);
      expect([path, answer.status, answer.body]).toEqual([
        path,
        404,
        { code: 404, message: expect.any(String), status: 'failure' },
      ]);
    }
  });

  it('GET /searches lists in the sample shape (no client_ref), newest first, with the documented filters', async () => {
    const jane = await api().search({ search_term: 'Jane Doe', client_ref: 'A', tags: { kyc_ref: 'one' } });
    const hugo = await api().search({ search_term: 'Hugo Jinkis', client_ref: 'B' });
    const putin = await api().search({
      search_term: 'vladimir   putin!',
      client_ref: 'C',
      tags: { kyc_ref: 'two' },
    });
    const all = await api().list();
    expect(all.map((s) => s.id)).toEqual([putin.id, hugo.id, jane.id]);
    expect(Object.keys(all[0]!)).toEqual([
      'id',
      'ref',
      'searcher_id',
      'assignee_id',
      'filters',
      'match_status',
      'risk_level',
      'search_term',
      'total_hits',
      'updated_at',
      'created_at',
    ]);
    const ids = async (query: string) => (await api().list(query)).map((s) => s.id);
    expect(await ids('?sort_by=id&sort_dir=ASC')).toEqual([jane.id, hugo.id, putin.id]);
    expect(await ids('?per_page=2&page=2&sort_dir=asc')).toEqual([putin.id]);
    expect(await ids('?match_status=no_match')).toEqual([putin.id, jane.id]);
    expect(await ids('?match_status=potential_match,true_positive')).toEqual([hugo.id]);
    expect(await ids('?risk_level=medium,high')).toEqual([hugo.id]);
    expect(await ids('?search_term=JINK')).toEqual([hugo.id]);
    expect(await ids('?submitted_term=putin!')).toEqual([putin.id]);
    expect(await ids('?tags=kyc_ref:two')).toEqual([putin.id]);
    expect(await ids('?tags=kyc_ref:one,kyc_ref:two')).toEqual([]);
    expect(await ids('?assignee_id=1&searcher_id=1')).toHaveLength(3);
    expect(await ids('?assignee_id=14')).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await ids(`?date_from=${today}&date_to=${today}`)).toHaveLength(3);
    expect(await ids('?date_to=2015-01-01')).toEqual([]);
    // client_ref is not a filter: it is ignored, like any unknown parameter.
    expect(await ids('?client_ref=A')).toHaveLength(3);
  });

  it('refuses a malformed list filter with 400', async () => {
    for (const query of [
      '?search_term=ab',
      '?risk_level=severe',
      '?match_status=true_positive_approve',
      '?per_page=101',
      '?page=0',
      '?sort_by=name',
      '?sort_dir=up',
      '?date_from=2024-02-30',
      '?tags=kyc_ref',
      '?assignee_id=me',
    ]) {
      const answer = await api().request('GET', `/searches${query}`);
      expect([query, answer.status, (answer.body as { status?: string }).status]).toEqual([
        query,
        400,
        'failure',
      ]);
    }
  });

  it('GET /users lists the account users', async () => {
    const answer = await api().request<{ status: string; content: { data: { id: number }[] } }>(
      'GET',
      '/users',
    );
    expect(answer.body.status).toBe('success');
    expect(answer.body.content.data.map((u) => u.id)).toEqual([1, 14, 15]);
  });
});

describe('CA classic sandbox: updates, decisions, monitoring and webhooks', () => {
  const { api, control } = useSandbox();
  let receiver: HttpReceiver;
  let second: HttpReceiver;
  let failing: HttpReceiver;
  beforeAll(async () => {
    receiver = await HttpReceiver.start({ path: '/webhooks/complyadvantage-classic/token' });
    second = await HttpReceiver.start({ path: '/second' });
    failing = await HttpReceiver.start({
      path: '/failing',
      answer: (_request, res) => {
        res.writeHead(500).end();
      },
    });
  });
  afterAll(async () => {
    await Promise.all([receiver.close(), second.close(), failing.close()]);
  });
  beforeEach(async () => {
    receiver.received.length = 0;
    second.received.length = 0;
    failing.received.length = 0;
    await control().setWebhookUrls([receiver.url]);
  });

  const received = async (count: number, from: HttpReceiver = receiver) => {
    await waitFor(() => from.received.length >= count, {
      timeoutMs: 5_000,
      intervalMs: 10,
      description: `${count} webhooks`,
    });
    return from.received.map(bodyOf);
  };

  it('PATCH /searches/{id} answers the overview and sends search_status_updated with what changed', async () => {
    const s = await api().search({ search_term: 'Hugo Jinkis', client_ref: 'C1' });
    const updated = await api().data('PATCH', `/searches/${s.id}`, {
      match_status: 'true_positive_approve',
      risk_level: 'high',
      assignee_id: 14,
      tags: { kyc_ref: 'onb-9' },
    });
    expect(updated).toMatchObject({
      id: s.id,
      match_status: 'true_positive_approve',
      risk_level: 'high',
      assignee_id: 14,
      tags: { kyc_ref: 'onb-9' },
    });
    expect(updated).not.toHaveProperty('hits');
    const [event] = await received(1);
    expect(event).toEqual({
      event: 'search_status_updated',
      data: {
        changes: {
          before: { match_status: 'potential_match', risk_level: 'medium', assigned_user: 1, tags: [] },
          after: {
            match_status: 'true_positive_approve',
            risk_level: 'high',
            assigned_user: 14,
            tags: { kyc_ref: 'onb-9' },
          },
        },
        ref: s.ref,
        search_id: s.id,
        terms: [{ name: 'Hugo Jinkis', hits: 1 }],
        filters: { country_codes: [], remove_deceased: 0, exact_match: false, fuzziness: 1 },
      },
    });
    expect(receiver.received[0]?.headers['content-type']).toBe('application/json');
    expect(Object.keys(receiver.received[0]!.headers)).not.toContain('x-complyadvantage-signature');

    // Nothing changed: no event.
    await api().data('PATCH', `/searches/${s.id}`, { risk_level: 'high' });
    expect((await control().events()).length).toBe(1);
  });

  it('refuses an invalid PATCH /searches/{id}', async () => {
    const s = await api().search({ search_term: 'Hugo Jinkis' });
    for (const body of [
      {},
      { match_status: 'approved' },
      { risk_level: 'severe' },
      { assignee_id: 99 },
      { tags: { other: 'x' } },
      { status: 'no_match' },
    ]) {
      const answer = await api().request('PATCH', `/searches/${s.id}`, body);
      expect([JSON.stringify(body), answer.status]).toEqual([JSON.stringify(body), 400]);
    }
    expect((await api().request('PATCH', '/searches/999999', { risk_level: 'low' })).status).toBe(404);
  });

  it('PATCH /searches/{id}/entities sets the hits and sends match_status_updated per entity, with client_ref and tags', async () => {
    const s = await api().search({
      search_term: 'Vladimir Putin',
      client_ref: 'CUST-1',
      tags: { kyc_ref: 'r1' },
    });
    const [first, next] = s.hits!.map((h) => h.doc.id);
    const answer = await api().data('PATCH', `/searches/${s.id}/entities`, {
      entities: [first, next],
      match_status: 'false_positive',
      risk_level: 'low',
    });
    expect(answer.hits?.slice(0, 3)).toEqual([
      expect.objectContaining({ match_status: 'false_positive', risk_level: 'low', is_whitelisted: true }),
      expect.objectContaining({ match_status: 'false_positive', risk_level: 'low', is_whitelisted: true }),
      expect.not.objectContaining({ match_status: expect.anything() }),
    ]);
    // The search's own status is a case field: unchanged.
    expect(answer.match_status).toBe('potential_match');
    const events = await received(2);
    expect(events).toEqual([
      {
        event: 'match_status_updated',
        data: {
          search_id: s.id,
          client_ref: 'CUST-1',
          entity_id: first,
          entity_match_status: 'false_positive',
          tags: { kyc_ref: 'r1' },
        },
      },
      {
        event: 'match_status_updated',
        data: {
          search_id: s.id,
          client_ref: 'CUST-1',
          entity_id: next,
          entity_match_status: 'false_positive',
          tags: { kyc_ref: 'r1' },
        },
      },
    ]);
    expect(await control().whitelist()).toEqual({ 'CUST-1': [first, next] });

    for (const body of [
      { entities: ['NOPE'], match_status: 'no_match' },
      { entities: [first], match_status: 'true_positive_approve' },
      { entities: [], match_status: 'no_match' },
      { entities: [first] },
      { match_status: 'no_match' },
    ]) {
      expect((await api().request('PATCH', `/searches/${s.id}/entities`, body)).status).toBe(400);
    }
  });

  it('whitelists false positives per client_ref: later searches of that client show them is_whitelisted', async () => {
    const s = await api().search({ search_term: 'Robert Mugabe', client_ref: 'CUST-W' });
    await api().data('PATCH', `/searches/${s.id}/entities`, {
      entities: ['KCVZXTP179KK5KY'],
      match_status: 'false_positive',
    });

    const again = await api().search({ search_term: 'Robert Gabriel Mugabe', client_ref: 'CUST-W' });
    expect(again.hits?.map((h) => h.is_whitelisted)).toEqual([true]);
    // Every hit is whitelisted: nothing to report.
    expect([again.total_hits, again.match_status, again.risk_level]).toEqual([1, 'no_match', 'low']);

    const otherClient = await api().search({ search_term: 'Robert Mugabe', client_ref: 'CUST-X' });
    const noClient = await api().search({ search_term: 'Robert Mugabe' });
    for (const search of [otherClient, noClient]) {
      expect([search.hits?.[0]?.is_whitelisted, search.match_status]).toEqual([false, 'potential_match']);
    }

    // Marked true positive again: off the whitelist.
    await api().data('PATCH', `/searches/${again.id}/entities`, {
      entities: ['KCVZXTP179KK5KY'],
      match_status: 'true_positive',
    });
    expect((await api().search({ search_term: 'Robert Mugabe', client_ref: 'CUST-W' })).match_status).toBe(
      'potential_match',
    );
  });

  it('sends every event to every configured URL once, and records each delivery (a failure is not retried)', async () => {
    await control().setWebhookUrls([receiver.url, second.url, failing.url]);
    const s = await api().search({ search_term: 'Jane Doe' });
    await api().data('PATCH', `/searches/${s.id}`, { match_status: 'false_positive' });
    await received(1);
    await received(1, second);
    await received(1, failing);
    const deliveries = await control().deliveries({ settled: true });
    expect(deliveries.map((d) => [d.event, d.searchId, d.url, d.status, d.outcome])).toEqual(
      expect.arrayContaining([
        ['search_status_updated', s.id, receiver.url, 200, 'delivered'],
        ['search_status_updated', s.id, second.url, 200, 'delivered'],
        ['search_status_updated', s.id, failing.url, 500, 'failed'],
      ]),
    );
    expect(deliveries).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 100));
    expect(failing.received).toHaveLength(1);
    expect((await control().stats()).deliveries).toEqual({
      attempted: 3,
      delivered: 2,
      failed: 1,
      dropped: 0,
    });
  });

  it("the analyst's decision updates the search and sends the web app's events", async () => {
    const s = await api().search({ search_term: 'Hugo Jinkis', client_ref: 'CUST-D' });
    const decided = await control().decide(s.id, { match_status: 'false_positive', risk_level: 'low' });
    expect(decided.events).toEqual(['match_status_updated', 'search_status_updated']);
    expect(decided.search).toMatchObject({
      match_status: 'false_positive',
      risk_level: 'low',
      client_ref: 'CUST-D',
    });
    expect(decided.search.hits[0]).toMatchObject({ match_status: 'false_positive', is_whitelisted: true });
    const events = await received(2);
    expect(events.map((e) => e.event)).toEqual(['match_status_updated', 'search_status_updated']);
    expect(events[0]?.data).toMatchObject({
      search_id: s.id,
      client_ref: 'CUST-D',
      entity_id: 'BYKUB1NQ8RPEC7T',
      tags: [],
    });
    expect(events[1]?.data.changes).toEqual({
      before: { match_status: 'potential_match', risk_level: 'medium' },
      after: { match_status: 'false_positive', risk_level: 'low' },
    });
    expect(await api().data('GET', `/searches/${s.id}`)).toMatchObject({ match_status: 'false_positive' });

    // A search-level status only: no entity event.
    const t = await api().search({ search_term: 'A Bad Company Ltd' });
    expect((await control().decide(t.id, { match_status: 'true_positive_reject' })).events).toEqual([
      'search_status_updated',
    ]);
    await expect(control().decide(t.id, { match_status: 'rejected' as never })).rejects.toThrow(/400/);
    await expect(control().decide(999_999, { match_status: 'no_match' })).rejects.toThrow(/404/);
  });

  it('monitors: start and stop, a monitoring change only while monitored, the differences of the day', async () => {
    const s = await api().search({ search_term: 'Vladimir Putin', client_ref: 'CUST-M' });
    const content = async (method: string, path: string, body?: unknown) => {
      const answer = await api().request<{ status: string; content: Record<string, unknown> }>(
        method,
        path,
        body,
      );
      expect([path, answer.status, answer.body.status]).toEqual([path, 200, 'success']);
      return answer.body.content;
    };
    expect(await content('GET', `/searches/${s.id}/monitors`)).toEqual({
      search_id: s.id,
      ref: s.ref,
      is_monitored: false,
      monitors: [],
    });
    await expect(control().monitorChange(s.id, { new: 1 })).rejects.toThrow(/409/);

    expect(await content('PATCH', `/searches/${s.id}/monitors`, { is_monitored: true })).toEqual({
      search_id: s.id,
      ref: s.ref,
      is_monitored: true,
      monitors: {
        monitored_by: 1,
        updated_at: expect.stringMatching(TIMESTAMP),
        created_at: expect.stringMatching(TIMESTAMP),
      },
    });
    expect((await control().searchesOf('CUST-M')).map((x) => [x.id, x.is_monitored])).toEqual([[s.id, true]]);

    const ids = s.hits!.map((h) => h.doc.id);
    const change = await control().monitorChange(s.id, { new: 2, updated: 1, removed: 1, suspended: false });
    expect(change.event).toEqual({
      search_id: s.id,
      updated: [ids[0]],
      new: [expect.stringMatching(/^[A-Z0-9]{15}$/), expect.stringMatching(/^[A-Z0-9]{15}$/)],
      removed: [ids[6]],
      is_suspended: false,
    });
    const [event] = await received(1);
    expect(event).toEqual({ event: 'monitored_search_updated', data: change.event });
    // The search shows the latest results.
    const overview = await api().data('GET', `/searches/${s.id}/details`);
    expect([overview.total_hits, overview.hits?.length, overview.match_status]).toEqual([
      8,
      8,
      'potential_match',
    ]);

    const today = new Date().toISOString().slice(0, 10);
    for (const spelling of ['monitors', 'monitor']) {
      const differences = (await content(
        'GET',
        `/searches/${s.id}/${spelling}/differences?date=${today}`,
      )) as unknown as {
        action: string;
        entity_id: string;
      }[];
      expect(differences.map((d) => [d.action, d.entity_id])).toEqual([
        ['removed', ids[6]],
        ['updated', ids[0]],
        ['added', change.event.new[0]],
        ['added', change.event.new[1]],
      ]);
    }
    expect(await content('GET', `/searches/${s.id}/monitors/differences`)).toHaveLength(4);
    expect(await content('GET', `/searches/${s.id}/monitors/differences?date=2015-06-18`)).toEqual([]);
    expect(
      (await api().request('GET', `/searches/${s.id}/monitors/differences?date=18/06/2015`)).status,
    ).toBe(400);
    await control().settings({ differencesRoute: 'monitors' });
    expect((await api().request('GET', `/searches/${s.id}/monitor/differences`)).status).toBe(404);

    // Suspension alone is an event too; stopping monitoring ends the changes.
    expect((await control().monitorChange(s.id, { suspended: true })).event.is_suspended).toBe(true);
    await content('PATCH', `/searches/${s.id}/monitors`, { is_monitored: false });
    await expect(control().monitorChange(s.id, { new: 1 })).rejects.toThrow(/409/);
    await expect(control().monitorChange(s.id, {})).rejects.toThrow(/400/);
    expect((await api().request('PATCH', `/searches/${s.id}/monitors`, { is_monitored: 'yes' })).status).toBe(
      400,
    );
  });

  it('an updated entity leaves the whitelist; monitorNewSearches starts every search monitored', async () => {
    await control().settings({ monitorNewSearches: true });
    const s = await api().search({ search_term: 'Robert Mugabe', client_ref: 'CUST-U' });
    expect((await control().search(s.id)).is_monitored).toBe(true);
    await control().decide(s.id, { match_status: 'false_positive' });
    expect(await control().whitelist()).toEqual({ 'CUST-U': ['KCVZXTP179KK5KY'] });
    await control().monitorChange(s.id, { updated: 1 });
    expect(await control().whitelist()).toEqual({});
    expect(await control().search(s.id)).toMatchObject({ match_status: 'potential_match' });
    expect((await api().search({ search_term: 'Robert Mugabe', client_ref: 'CUST-U' })).match_status).toBe(
      'potential_match',
    );
  });

  it('sets webhook URLs like the account settings page: absolute, HTTPS or loopback http; reset restores the start ones', async () => {
    expect(await control().webhookUrls()).toEqual([receiver.url]);
    await expect(control().setWebhookUrls(['http://hooks.example.com/x'])).rejects.toThrow(/400/);
    await expect(control().setWebhookUrls(['not a url'])).rejects.toThrow(/400/);
    expect(await control().setWebhookUrls(['https://hooks.example.com/x', second.url])).toEqual([
      'https://hooks.example.com/x',
      second.url,
    ]);
    await control().reset();
    expect(await control().webhookUrls()).toEqual([]);
  });
});

describe('CA classic sandbox: webhook URLs given at start', () => {
  it('sends to them from the start and again after a reset', async () => {
    const receiver = await HttpReceiver.start();
    const sandbox = await startCaClassicSandbox({ apiKey: KEY, webhookUrls: [receiver.url] });
    try {
      const control = new CaClassicSandboxControl(sandbox.url);
      await control.reset();
      expect(await control.webhookUrls()).toEqual([receiver.url]);
      const s = await new CaApi(sandbox.url).search({ search_term: 'Jane Doe' });
      await control.decide(s.id, { match_status: 'false_positive' });
      await waitFor(() => receiver.received.length >= 1, { timeoutMs: 5_000, description: 'the event' });
      expect(bodyOf(receiver.received[0]!).event).toBe('search_status_updated');
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  });

  it('refuses a mistyped option at start', async () => {
    await expect(startCaClassicSandbox({ rateLimitPerMinute: -1 })).rejects.toThrow(/rateLimitPerMinute/);
    await expect(startCaClassicSandbox({ tagNames: ['a:b'] })).rejects.toThrow(/tagNames/);
  });
});

describe('CA classic sandbox: faults, rate limit, settings, stats, reset', () => {
  const { api, control } = useSandbox();

  it('answers N injected 5xx in the failure envelope without handling the request, then recovers', async () => {
    await control().addFault({ kind: 'server-error', count: 1 });
    await control().addFault({ kind: 'server-error', status: 502, count: 1, match: { method: 'POST' } });
    const statuses = [];
    for (let i = 0; i < 3; i += 1)
      statuses.push(await api().request('POST', '/searches', { search_term: 'Jane Doe' }));
    expect(statuses.map((a) => a.status)).toEqual([500, 502, 200]);
    expect(statuses[1]?.body).toEqual({ code: 502, message: 'Bad Gateway', status: 'failure' });
    expect(await control().searchesOf()).toHaveLength(1);
    expect((await control().faults()).map((f) => [f.kind, f.status, f.remaining, f.applied])).toEqual([
      ['server-error', 500, 0, 1],
      ['server-error', 502, 0, 1],
    ]);
    expect((await control().stats()).faultsInjected).toEqual({ 'server-error': 2 });
  });

  it('answers an injected 429 with Retry-After, matched by method and path', async () => {
    await control().addFault({
      kind: 'rate-limit',
      retryAfterSeconds: 7,
      count: 1,
      match: { method: 'POST', path: '^/searches$' },
    });
    expect((await api().request('GET', '/searches')).status).toBe(200);
    const limited = await api().request('POST', '/searches', { search_term: 'Jane Doe' });
    expect([limited.status, limited.headers.get('retry-after'), limited.body]).toEqual([
      429,
      '7',
      { code: 429, message: 'Too Many Requests', status: 'failure' },
    ]);
    expect(await control().searchesOf()).toEqual([]);
  });

  it('is down (503 to every API call, with or without a key) until the faults are cleared', async () => {
    await control().addFault({ kind: 'down', retryAfterSeconds: 30 });
    const answers = await Promise.all([
      api().request('POST', '/searches', { search_term: 'Jane Doe' }),
      api().request('GET', '/searches/1001'),
      api().request('GET', '/users', undefined, 'none'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([503, 503, 503]);
    expect(answers[0]?.headers.get('retry-after')).toBe('30');
    expect(answers[0]?.body).toEqual({ code: 503, message: 'Service Unavailable', status: 'failure' });
    await control().clearFaults();
    expect((await api().request('GET', '/users')).status).toBe(200);
  });

  it('adds latency', async () => {
    await control().addFault({ kind: 'latency', latencyMs: 250, count: 1 });
    const started = Date.now();
    expect((await api().request('GET', '/users')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('loses the answer of POST /searches after creating the search (the client sees the connection drop)', async () => {
    await control().addFault({
      kind: 'lost-response',
      count: 1,
      match: { method: 'POST', path: '^/searches$' },
    });
    await expect(
      api().request('POST', '/searches', { search_term: 'Hugo Jinkis', client_ref: 'LOST-1' }),
    ).rejects.toThrow();
    const held = await control().searchesOf('LOST-1');
    expect(held.map((s) => [s.search_term, s.match_status])).toEqual([['Hugo Jinkis', 'potential_match']]);
    // Recovery without the id: the list by term and date finds it (client_ref is no filter).
    const found = await api().list(
      `?search_term=Hugo%20Jinkis&date_from=${new Date().toISOString().slice(0, 10)}`,
    );
    expect(found.map((s) => s.id)).toEqual([held[0]?.id]);
    expect((await control().requests({ method: 'POST' })).map((r) => [r.status, r.lost])).toEqual([
      [200, true],
    ]);
    expect((await control().stats()).lostResponses).toBe(1);
  });

  it('drops webhooks by event name: never sent, logged dropped', async () => {
    const receiver = await HttpReceiver.start();
    try {
      await control().setWebhookUrls([receiver.url]);
      await control().addFault({ kind: 'drop-webhook', match: { event: 'match_status_updated' } });
      const s = await api().search({ search_term: 'Hugo Jinkis' });
      await control().decide(s.id, { match_status: 'no_match' });
      const deliveries = await control().deliveries({ settled: true });
      expect(deliveries.map((d) => [d.event, d.outcome])).toEqual([
        ['match_status_updated', 'dropped'],
        ['search_status_updated', 'delivered'],
      ]);
      expect(receiver.received.map((r) => bodyOf(r).event)).toEqual(['search_status_updated']);
      expect((await control().stats()).deliveries).toMatchObject({ dropped: 1, delivered: 1 });
      await expect(
        control().addFault({ kind: 'server-error', match: { event: 'match_status_updated' } }),
      ).rejects.toThrow(/400/);
    } finally {
      await receiver.close();
    }
  });

  it('limits authenticated requests per minute with 429 and Retry-After when rateLimitPerMinute is set', async () => {
    await control().settings({ rateLimitPerMinute: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push(await api().request('GET', '/users'));
    expect(statuses.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(Number(statuses[2]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Refused requests (401) do not count.
    expect((await api().request('GET', '/users', undefined, 'none')).status).toBe(401);
    expect((await control().stats()).rateLimited).toBe(1);
    await control().settings({ rateLimitPerMinute: 0 });
    expect((await api().request('GET', '/users')).status).toBe(200);
  });

  it('refuses an unknown fault kind or setting with 400, patches settings until reset, and counts', async () => {
    await expect(control().request('POST', '/faults', { kind: 'meteor' })).rejects.toThrow(/400/);
    await expect(control().request('POST', '/faults', { kind: 'rate-limit', status: 503 })).rejects.toThrow(
      /400/,
    );
    await expect(control().request('POST', '/faults', { kind: 'latency' })).rejects.toThrow(/400/);
    await expect(control().request('PATCH', '/settings', { readClientRef: false })).rejects.toThrow(/400/);
    const patched = await control().settings({
      readsClientRef: false,
      latencyMs: 3,
      differencesRoute: 'monitor',
    });
    expect(patched).toMatchObject({
      readsClientRef: false,
      latencyMs: { min: 3, max: 3 },
      differencesRoute: 'monitor',
    });

    await api().search({ search_term: 'Jane Doe' });
    await api().request('GET', '/users', undefined, 'none');
    expect(await control().stats()).toMatchObject({
      requests: 2,
      byStatus: { '200': 1, '401': 1 },
      searches: 1,
      monitored: 0,
      events: 0,
    });
    await control().resetStats();
    expect(await control().stats()).toMatchObject({ requests: 0, searches: 1 });

    await control().reset();
    expect(await control().getSettings()).toEqual(DEFAULT_CA_CLASSIC_SETTINGS);
    expect(await control().stats()).toMatchObject({ requests: 0, searches: 0 });
    expect(await control().requests()).toEqual([]);
    // Ids keep growing across a reset: an old id never names a new search.
    const next = await api().search({ search_term: 'Jane Doe' });
    expect(next.id).toBeGreaterThan(FIRST_SEARCH_ID);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CA_CLASSIC_FAULT_KINDS,
  DEFAULT_CA_CLASSIC_API_KEY,
  DEFAULT_CA_CLASSIC_SETTINGS,
  startCaClassicSandbox,
} from '../../src/sandbox/ca-classic';
import { settingsPatchSchema } from '../../src/sandbox/ca-classic/settings';
import { loadSandboxConfig, SANDBOX_ENV_VARIABLES } from '../../src/sandbox/config';
import { freePort } from '../../testkit/net';
import { waitFor } from '../../testkit/wait';
import { configProblems } from '../helpers/config';
import {
  answers,
  startSandboxMain,
  stopSandboxMain,
  withBusyPort,
  type StartedSandboxMain,
} from '../helpers/sandbox-main';

/** SANDBOX_CA_CLASSIC_*, `npm run sandbox` with the classic sandbox, and its docs against the code. */
const ROOT = join(__dirname, '..', '..');
const PAGE = readFileSync(join(ROOT, 'docs', 'providers', 'ca-classic-sandbox.md'), 'utf8');
const SANDBOX_DOC = readFileSync(join(ROOT, 'docs', 'sandbox.md'), 'utf8');
const VARIABLES = SANDBOX_ENV_VARIABLES.filter((v) => v.startsWith('SANDBOX_CA_CLASSIC_'));

describe('ComplyAdvantage classic sandbox configuration (SANDBOX_CA_CLASSIC_*)', () => {
  it('defaults to port 4014, the default key, no webhook URLs, the kyc_ref tag, client_ref on reads, no limit', () => {
    expect(loadSandboxConfig({}).caClassic).toEqual({
      port: 4014,
      apiKey: DEFAULT_CA_CLASSIC_API_KEY,
      webhookUrls: [],
      tagNames: ['kyc_ref'],
      readsClientRef: true,
      rateLimitPerMinute: 0,
    });
    expect(DEFAULT_CA_CLASSIC_API_KEY).toBe('sandbox-ca-classic-key');
  });

  it('reads every variable, and port 0 leaves the sandbox off', () => {
    expect(
      loadSandboxConfig({
        SANDBOX_CA_CLASSIC_PORT: '5014',
        SANDBOX_CA_CLASSIC_API_KEY: 'key-from-env',
        SANDBOX_CA_CLASSIC_WEBHOOK_URLS:
          'http://127.0.0.1:3000/webhooks/complyadvantage-classic/t, http://bridge:3000/x',
        SANDBOX_CA_CLASSIC_TAGS: 'kyc_ref, BackOfficeURL',
        SANDBOX_CA_CLASSIC_READS_CLIENT_REF: 'false',
        SANDBOX_CA_CLASSIC_RATE_LIMIT_PER_MINUTE: '300',
      }).caClassic,
    ).toEqual({
      port: 5014,
      apiKey: 'key-from-env',
      webhookUrls: ['http://127.0.0.1:3000/webhooks/complyadvantage-classic/t', 'http://bridge:3000/x'],
      tagNames: ['kyc_ref', 'BackOfficeURL'],
      readsClientRef: false,
      rateLimitPerMinute: 300,
    });
    expect(loadSandboxConfig({ SANDBOX_CA_CLASSIC_PORT: '0' }).caClassic).toBeNull();
  });

  it('names the variable and what it expects when a value is malformed', () => {
    const cases: Record<string, string> = {
      SANDBOX_CA_CLASSIC_PORT: '70000',
      SANDBOX_CA_CLASSIC_API_KEY: 'two words',
      SANDBOX_CA_CLASSIC_WEBHOOK_URLS: 'not a url',
      SANDBOX_CA_CLASSIC_TAGS: 'name:value',
      SANDBOX_CA_CLASSIC_READS_CLIENT_REF: 'maybe',
      SANDBOX_CA_CLASSIC_RATE_LIMIT_PER_MINUTE: '-1',
    };
    expect(Object.keys(cases).sort()).toEqual([...VARIABLES].sort());
    for (const [variable, value] of Object.entries(cases)) {
      expect(configProblems(loadSandboxConfig, { [variable]: value })).toEqual([
        expect.stringMatching(new RegExp(`^${variable}: expected`)),
      ]);
    }
  });
});

describe('docs: the ComplyAdvantage classic sandbox', () => {
  it('documents every setting, fault kind and SANDBOX_CA_CLASSIC_* variable in its tables', () => {
    const keys = new Set([
      ...Object.keys(DEFAULT_CA_CLASSIC_SETTINGS),
      ...Object.keys(settingsPatchSchema.shape),
    ]);
    for (const key of keys) expect(PAGE).toMatch(new RegExp(`^\\| \`${key}\` +\\|`, 'm'));
    for (const kind of CA_CLASSIC_FAULT_KINDS) expect(PAGE).toMatch(new RegExp(`^\\| \`${kind}\` +\\|`, 'm'));
    expect(VARIABLES).toHaveLength(6);
    for (const variable of VARIABLES) {
      expect(PAGE).toContain(`| \`${variable}\``);
      expect(SANDBOX_DOC).toContain(`| \`${variable}\``);
    }
  });

  /** The "## Names" table: name, hits, match_status, risk_level. */
  const names = () => {
    const section = PAGE.slice(PAGE.indexOf('## Names'), PAGE.indexOf('## Whitelisting'));
    return section
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| name') && !line.startsWith('| ---'))
      .map((line) => {
        const [name, hits, , status, risk] = line
          .split('|')
          .slice(1, 6)
          .map((cell) => cell.trim().replace(/`/g, ''));
        return { name: name!, hits: Number(hits), status: status!, risk: risk! };
      });
  };

  it('answers every row of the names table as it says', async () => {
    const rows = names();
    expect(rows.map((r) => r.name)).toEqual([
      'Robert Mugabe',
      'Robert Gabriel Mugabe',
      'Hugo Jinkis',
      'Vladimir Putin',
      'A Bad Company Ltd',
      'anyone else',
    ]);
    const sandbox = await startCaClassicSandbox();
    try {
      for (const row of rows) {
        const answer = await fetch(`${sandbox.url}/searches`, {
          method: 'POST',
          headers: {
            authorization: `Token ${DEFAULT_CA_CLASSIC_API_KEY}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ search_term: row.name === 'anyone else' ? 'Jane Doe' : row.name }),
        });
        const data = ((await answer.json()) as { content: { data: Record<string, unknown> } }).content.data;
        expect({
          name: row.name,
          hits: data.total_hits,
          status: data.match_status,
          risk: data.risk_level,
        }).toEqual(row);
      }
    } finally {
      await sandbox.close();
    }
  });

  it('points at no file outside the repository', () => {
    expect(PAGE).not.toMatch(/shared\/reference/);
    expect(SANDBOX_DOC).not.toMatch(/shared\/reference|\.\.\/\.\.\//);
  });
});

/** The other extra sandboxes off, so their default ports do not matter here. */
function startMain(env: Record<string, string>): StartedSandboxMain {
  return startSandboxMain({
    SANDBOX_COMPLYCUBE_PORT: '0',
    SANDBOX_RISK_PORT: '0',
    SANDBOX_COS_PORT: '0',
    ...env,
  });
}

describe('npm run sandbox with the ComplyAdvantage classic sandbox', () => {
  let running: StartedSandboxMain | undefined;
  afterEach(async () => {
    await stopSandboxMain(running);
    running = undefined;
  });

  it('starts it on SANDBOX_CA_CLASSIC_PORT with the SANDBOX_CA_CLASSIC_* settings, says so, and stops on SIGTERM', async () => {
    const meshPort = await freePort();
    const port = await freePort();
    running = startMain({
      SANDBOX_PORT: String(meshPort),
      SANDBOX_CA_CLASSIC_PORT: String(port),
      SANDBOX_CA_CLASSIC_API_KEY: 'key-from-the-environment',
      SANDBOX_CA_CLASSIC_WEBHOOK_URLS: 'http://127.0.0.1:9/webhooks/complyadvantage-classic/token',
      SANDBOX_CA_CLASSIC_TAGS: 'kyc_ref,segment',
      SANDBOX_CA_CLASSIC_READS_CLIENT_REF: 'false',
      SANDBOX_CA_CLASSIC_RATE_LIMIT_PER_MINUTE: '42',
    });
    const origin = `http://127.0.0.1:${port}`;
    const settings = await waitFor(
      async () => {
        const res = await answers(`${origin}/_sandbox/ca-classic/settings`);
        return res?.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'the ComplyAdvantage classic sandbox to answer' },
    );
    expect(settings).toMatchObject({
      readsClientRef: false,
      rateLimitPerMinute: 42,
      tagNames: ['kyc_ref', 'segment'],
    });
    expect(running.output()).toContain(
      `ComplyAdvantage classic sandbox listening on ${origin} (/searches by name, rate limit 42/min, webhooks to 1 URL(s))`,
    );
    const hooks = await fetch(`${origin}/_sandbox/ca-classic/webhooks`);
    expect(await hooks.json()).toEqual({
      urls: ['http://127.0.0.1:9/webhooks/complyadvantage-classic/token'],
    });
    const users = await answers(`${origin}/users`, {
      headers: { authorization: 'Token key-from-the-environment' },
    });
    expect(users?.status).toBe(200);
    expect(
      (
        await answers(`${origin}/users`, {
          headers: { authorization: `Token ${DEFAULT_CA_CLASSIC_API_KEY}` },
        })
      )?.status,
    ).toBe(401);

    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
  });

  it('keeps the others running, and says so, when its port is taken', async () => {
    await withBusyPort(async (busyPort) => {
      const meshPort = await freePort();
      running = startMain({ SANDBOX_PORT: String(meshPort), SANDBOX_CA_CLASSIC_PORT: String(busyPort) });
      await waitFor(() => running!.output().includes('ComplyAdvantage classic sandbox not started'), {
        timeoutMs: 30_000,
        intervalMs: 200,
        description: 'the warning',
      });
      expect(running.output()).toContain(`port ${busyPort} is in use (set SANDBOX_CA_CLASSIC_PORT`);
      expect((await answers(`http://127.0.0.1:${meshPort}/_sandbox/settings`))?.status).toBe(200);
      running.child.kill('SIGTERM');
      expect(await running.exit).toBe(0);
    });
  });
});

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type { Env } from '../../src/platform/config/env';
import { loadTemporalConfig, TEMPORAL_ENV_VARIABLES } from '../../src/platform/config/temporal';
import { configProblems } from '../helpers/config';
import { createTestPki, type TestPki } from './tls-fixtures';

/**
 * TEMPORAL_* and the TOML profile file -> address, namespace, TLS, mTLS, API key and gRPC headers, the
 * way @temporalio/envconfig defines them; and every bad value as one line naming its variable or file.
 */
let pki: TestPki;
let dir: string;
beforeAll(() => {
  pki = createTestPki();
  dir = mkdtempSync(join(tmpdir(), 'temporal-config-'));
});
afterAll(() => {
  pki.remove();
  rmSync(dir, { recursive: true, force: true });
});

const problemsOf = (env: Env) => configProblems(loadTemporalConfig, env);
let files = 0;
/** A TOML profile file with these contents; its path. */
function tomlFile(contents: string): string {
  const path = join(dir, `temporal-${++files}.toml`);
  writeFileSync(path, contents);
  return path;
}

describe('loadTemporalConfig: connection settings from the environment', () => {
  it('defaults to plaintext 127.0.0.1:7233 and namespace default, and keeps the other TEMPORAL_ variables', () => {
    expect(loadTemporalConfig({})).toEqual({
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'onboarding',
      uiPort: 8233,
      dbFile: '.temporal/dev.sqlite',
      cliPath: undefined,
      uiUrl: 'http://127.0.0.1:8233',
      connection: { tls: undefined, apiKey: undefined, metadata: {}, profile: undefined },
    });
    const config = loadTemporalConfig({
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'kyc',
      TEMPORAL_TASK_QUEUE: 'q',
      TEMPORAL_UI_PORT: '8080',
      TEMPORAL_DB_FILE: 'x.sqlite',
      TEMPORAL_CLI_PATH: '/bin/temporal',
    });
    expect(config).toMatchObject({
      address: 'temporal:7233',
      namespace: 'kyc',
      taskQueue: 'q',
      uiPort: 8080,
      dbFile: 'x.sqlite',
      cliPath: '/bin/temporal',
      uiUrl: 'http://temporal:8080',
    });
    expect(config.connection.tls).toBeUndefined();
  });

  it('TLS: TEMPORAL_TLS alone (system roots), or a server CA and server name', () => {
    expect(loadTemporalConfig({ TEMPORAL_TLS: 'true' }).connection.tls).toEqual({
      serverName: undefined,
      serverCACert: undefined,
      clientCertPair: undefined,
    });
    expect(loadTemporalConfig({ TEMPORAL_TLS: 'yes' }).connection.tls).toBeDefined();
    const tls = loadTemporalConfig({
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.path.caCert,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    }).connection.tls;
    expect(tls).toEqual({
      serverName: 'temporal.internal',
      serverCACert: Buffer.from(pki.pem.caCert),
      clientCertPair: undefined,
    });
  });

  it('mTLS: client certificate and key from files or from the PEM text in the variable', () => {
    const fromFiles = loadTemporalConfig({
      TEMPORAL_TLS_CLIENT_CERT_PATH: pki.path.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: pki.path.clientKey,
    }).connection.tls?.clientCertPair;
    expect(fromFiles?.crt).toEqual(Buffer.from(pki.pem.clientCert));
    expect(fromFiles?.key.reveal()).toBe(pki.pem.clientKey);

    const fromData = loadTemporalConfig({
      TEMPORAL_TLS_CLIENT_CERT_DATA: pki.pem.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_DATA: pki.pem.clientKey,
      TEMPORAL_TLS_SERVER_CA_CERT_DATA: pki.pem.caCert,
    }).connection.tls;
    expect(fromData?.clientCertPair?.key.reveal()).toBe(pki.pem.clientKey);
    expect(fromData?.serverCACert).toEqual(Buffer.from(pki.pem.caCert));
  });

  it('an API key implies TLS; only an explicit TEMPORAL_TLS=false turns TLS off', () => {
    const cloud = loadTemporalConfig({
      TEMPORAL_ADDRESS: 'kyc.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'kyc.a1b2c',
      TEMPORAL_API_KEY: 'the-api-key',
    });
    expect(cloud.connection.apiKey?.reveal()).toBe('the-api-key');
    expect(cloud.connection.tls).toEqual({
      serverName: undefined,
      serverCACert: undefined,
      clientCertPair: undefined,
    });
    expect(
      loadTemporalConfig({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).connection.tls,
    ).toBeUndefined();
  });

  it('counts empty variables as unset (compose passes unset ones as empty): the API key still implies TLS', () => {
    const env = Object.fromEntries(TEMPORAL_ENV_VARIABLES.map((v) => [v, '']));
    const config = loadTemporalConfig({ ...env, TEMPORAL_API_KEY: 'k' });
    expect(config.address).toBe('127.0.0.1:7233');
    expect(config.connection.tls).toBeDefined();
  });

  it('sends TEMPORAL_GRPC_META_<NAME> as the gRPC header <name>', () => {
    const { metadata } = loadTemporalConfig({ TEMPORAL_GRPC_META_X_TENANT: 'acme' }).connection;
    expect(Object.keys(metadata)).toEqual(['x-tenant']);
    expect(metadata['x-tenant']?.reveal()).toBe('acme');
  });

  it('never prints the API key, the private key or header values, however the config is shown', () => {
    const config = loadTemporalConfig({
      TEMPORAL_API_KEY: 'top-secret-api-key',
      TEMPORAL_TLS_CLIENT_CERT_PATH: pki.path.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: pki.path.clientKey,
      TEMPORAL_GRPC_META_X_AUTH_TOKEN: 'header-secret',
    });
    const keyBody = pki.pem.clientKey.split('\n')[1] ?? '';
    for (const shown of [
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      String(config.connection.apiKey),
    ]) {
      expect(shown).not.toContain('top-secret-api-key');
      expect(shown).not.toContain('header-secret');
      expect(shown).not.toContain(keyBody);
    }
  });
});

describe('loadTemporalConfig: the TOML profile file', () => {
  const cloudProfile = () => `
[profile.default]
address = "127.0.0.1:7233"

[profile.cloud]
address = "kyc.a1b2c.tmprl.cloud:7233"
namespace = "kyc.a1b2c"
api_key = "file-api-key"

[profile.mtls]
address = "temporal.internal:7233"
namespace = "kyc"
[profile.mtls.tls]
client_cert_path = "${pki.path.clientCert}"
client_key_path = "${pki.path.clientKey}"
server_ca_cert_path = "${pki.path.caCert}"
server_name = "temporal.internal"
[profile.mtls.grpc_meta]
x-tenant = "acme"
`;

  it('takes profile "default" of TEMPORAL_CONFIG_FILE, and the one TEMPORAL_PROFILE names', () => {
    const file = tomlFile(cloudProfile());
    const plain = loadTemporalConfig({ TEMPORAL_CONFIG_FILE: file });
    expect(plain.address).toBe('127.0.0.1:7233');
    expect(plain.connection).toMatchObject({ tls: undefined, profile: { file, name: 'default' } });

    const cloud = loadTemporalConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' });
    expect([cloud.address, cloud.namespace]).toEqual(['kyc.a1b2c.tmprl.cloud:7233', 'kyc.a1b2c']);
    expect(cloud.connection.apiKey?.reveal()).toBe('file-api-key');
    expect(cloud.connection.tls).toBeDefined();

    const mtls = loadTemporalConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'mtls' }).connection;
    expect(mtls.tls?.serverName).toBe('temporal.internal');
    expect(mtls.tls?.clientCertPair?.crt).toEqual(Buffer.from(pki.pem.clientCert));
    expect(mtls.tls?.serverCACert).toEqual(Buffer.from(pki.pem.caCert));
    expect(mtls.metadata['x-tenant']?.reveal()).toBe('acme');
  });

  it('lets the environment win over the file, field by field', () => {
    const file = tomlFile(cloudProfile());
    const config = loadTemporalConfig({
      TEMPORAL_CONFIG_FILE: file,
      TEMPORAL_PROFILE: 'mtls',
      TEMPORAL_ADDRESS: 'other.internal:7233',
      TEMPORAL_NAMESPACE: 'other',
      TEMPORAL_API_KEY: 'env-api-key',
      TEMPORAL_TLS_SERVER_NAME: 'other.internal',
      TEMPORAL_GRPC_META_X_TENANT: 'globex',
    });
    expect([config.address, config.namespace]).toEqual(['other.internal:7233', 'other']);
    expect(config.connection.apiKey?.reveal()).toBe('env-api-key');
    expect(config.connection.tls?.serverName).toBe('other.internal');
    // What the environment does not set still comes from the file.
    expect(config.connection.tls?.clientCertPair).toBeDefined();
    expect(config.connection.metadata['x-tenant']?.reveal()).toBe('globex');
    // TEMPORAL_TLS=false wins over the file's TLS settings (and its files are not even read).
    const off = loadTemporalConfig({
      TEMPORAL_CONFIG_FILE: file,
      TEMPORAL_PROFILE: 'mtls',
      TEMPORAL_TLS: 'false',
    });
    expect(off.connection.tls).toBeUndefined();
  });

  it("reads the SDK's default path (XDG_CONFIG_HOME, else HOME/.config) of the given environment, if it exists", () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.config', 'temporalio'), { recursive: true });
    writeFileSync(join(home, '.config', 'temporalio', 'temporal.toml'), cloudProfile());
    const fromHome = loadTemporalConfig({ HOME: home, TEMPORAL_PROFILE: 'cloud' });
    expect(fromHome.connection.profile).toEqual({
      file: join(home, '.config', 'temporalio', 'temporal.toml'),
      name: 'cloud',
    });
    expect(fromHome.address).toBe('kyc.a1b2c.tmprl.cloud:7233');
    // No file there: the defaults, no error.
    expect(loadTemporalConfig({ HOME: join(dir, 'nobody') }).connection.profile).toBeUndefined();
    expect(
      loadTemporalConfig({ HOME: join(dir, 'nobody'), XDG_CONFIG_HOME: join(home, '.config') }).address,
    ).toBe('127.0.0.1:7233');
  });
});

describe('loadTemporalConfig: one line per bad value, naming the variable or the file', () => {
  it('names an unreadable certificate or key file by its variable', () => {
    expect(
      problemsOf({
        TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'missing.crt'),
        TEMPORAL_TLS_CLIENT_KEY_PATH: pki.path.clientKey,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: dir,
      }),
    ).toEqual([
      `TEMPORAL_TLS_CLIENT_CERT_PATH: cannot read ${join(dir, 'missing.crt')}: no such file`,
      `TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read ${dir}: is a directory`,
    ]);
  });

  it('refuses a key without a certificate and a certificate without a key (the SDK would drop them silently)', () => {
    expect(problemsOf({ TEMPORAL_TLS_CLIENT_KEY_PATH: pki.path.clientKey })).toEqual([
      'TEMPORAL_TLS_CLIENT_CERT_PATH: required together with TEMPORAL_TLS_CLIENT_KEY_PATH (mTLS needs the client certificate and its key)',
    ]);
    expect(problemsOf({ TEMPORAL_TLS_CLIENT_CERT_DATA: pki.pem.clientCert })).toEqual([
      'TEMPORAL_TLS_CLIENT_KEY_PATH: required together with TEMPORAL_TLS_CLIENT_CERT_DATA (mTLS needs the client certificate and its key)',
    ]);
  });

  it('checks the PEM contents, and that the key belongs to the certificate, without quoting them', () => {
    const problems = problemsOf({
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.path.clientKey,
      TEMPORAL_TLS_CLIENT_CERT_PATH: pki.path.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_DATA: 'not a key',
    });
    expect(problems).toEqual([
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH: expected a PEM certificate (-----BEGIN CERTIFICATE-----)',
      'TEMPORAL_TLS_CLIENT_KEY_DATA: expected an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)',
    ]);
    expect(
      problemsOf({
        TEMPORAL_TLS_CLIENT_CERT_PATH: pki.path.clientCert,
        TEMPORAL_TLS_CLIENT_KEY_PATH: pki.path.otherKey,
      }),
    ).toEqual([
      'TEMPORAL_TLS_CLIENT_KEY_PATH: this key does not belong to the certificate of TEMPORAL_TLS_CLIENT_CERT_PATH',
    ]);
  });

  it('refuses a path and PEM text for the same file, bad booleans and addresses, and what the SDK cannot do', () => {
    expect(
      problemsOf({
        TEMPORAL_ADDRESS: 'temporal',
        TEMPORAL_TLS: 'on',
        TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true',
      }),
    ).toEqual([
      'TEMPORAL_ADDRESS: expected host:port, e.g. 127.0.0.1:7233',
      'TEMPORAL_TLS: expected true or false',
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: not supported by the TypeScript SDK: set TEMPORAL_TLS_SERVER_NAME to a name in the server certificate, or TEMPORAL_TLS_SERVER_CA_CERT_PATH to its CA',
    ]);
    expect(
      problemsOf({
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.path.caCert,
        TEMPORAL_TLS_SERVER_CA_CERT_DATA: pki.pem.caCert,
      }),
    ).toEqual([
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_CA_CERT_DATA: set one or the other, not both',
    ]);
    expect(problemsOf({ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'false' })).toEqual([]);
    expect(problemsOf({ TEMPORAL_API_KEY: 'k', TEMPORAL_GRPC_META_AUTHORIZATION: 'Bearer k2' })).toEqual([
      'TEMPORAL_API_KEY: sent as the authorization header, which TEMPORAL_GRPC_META_AUTHORIZATION (or grpc_meta) also sets: keep one',
    ]);
  });

  it('names the file for a malformed TOML, without quoting it (it may hold an API key)', () => {
    const file = tomlFile('[profile.default]\napi_key = "leaked-key\naddress = "x:1"\n');
    const problems = problemsOf({ TEMPORAL_CONFIG_FILE: file });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      new RegExp(`^${file}: not valid TOML \\(line 2, column \\d+\\): control characters are not allowed`),
    );
    expect(problems[0]).not.toContain('leaked-key');
  });

  it('names the profile for an unknown TEMPORAL_PROFILE, and the file for a missing TEMPORAL_CONFIG_FILE', () => {
    const file = tomlFile('[profile.default]\n[profile.cloud]\napi_key = "k"\n');
    expect(problemsOf({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' })).toEqual([
      `TEMPORAL_PROFILE: no profile "prod" in ${file} (profiles: default, cloud)`,
    ]);
    expect(problemsOf({ TEMPORAL_PROFILE: 'prod' })).toEqual([
      'TEMPORAL_PROFILE: no profile "prod": no profile file at the default path (HOME unset)',
    ]);
    // A TOML file without [profile.*] tables has none: the defaults, unless a profile is asked for.
    const noProfiles = tomlFile('title = "not a Temporal profile file"\n');
    expect(loadTemporalConfig({ TEMPORAL_CONFIG_FILE: noProfiles }).address).toBe('127.0.0.1:7233');
    expect(problemsOf({ TEMPORAL_CONFIG_FILE: noProfiles, TEMPORAL_PROFILE: 'cloud' })).toEqual([
      `TEMPORAL_PROFILE: no profile "cloud" in ${noProfiles} (profiles: none)`,
    ]);
    const missing = join(dir, 'missing.toml');
    expect(problemsOf({ TEMPORAL_CONFIG_FILE: missing })).toEqual([
      `TEMPORAL_CONFIG_FILE: cannot read ${missing}: no such file`,
    ]);
  });

  it("names the file's key for a bad value in the file", () => {
    const file = tomlFile(
      `[profile.default]\naddress = "no-port"\n[profile.broken.tls]\nclient_cert_path = "${join(dir, 'gone.crt')}"\nclient_key_path = "${pki.path.clientKey}"\n`,
    );
    expect(problemsOf({ TEMPORAL_CONFIG_FILE: file })).toEqual([
      `${file} [profile.default] address: expected host:port, e.g. 127.0.0.1:7233`,
    ]);
    expect(problemsOf({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'broken' })).toEqual([
      `${file} [profile.broken.tls] client_cert_path: cannot read ${join(dir, 'gone.crt')}: no such file`,
    ]);
    expect(
      problemsOf({
        TEMPORAL_CONFIG_FILE: file,
        TEMPORAL_PROFILE: 'broken',
        TEMPORAL_TLS_CLIENT_CERT_DATA: 'x',
      }),
    ).toEqual([
      `TEMPORAL_TLS_CLIENT_CERT_DATA: ${file} [profile.broken.tls] sets client_cert_path; set one or the other, not both`,
    ]);
  });

  it('stops the worker at start: one line naming the variable, exit code 2, before anything connects', async () => {
    const root = join(__dirname, '..', '..');
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/worker/main.ts'],
        {
          cwd: root,
          env: { PATH: process.env['PATH'] ?? '', TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'nope.key') },
          timeout: 30_000,
        },
        (error, _stdout, stderr) =>
          resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stderr }),
      );
    });
    expect(run).toEqual({
      code: 2,
      stderr:
        `configuration error: TEMPORAL_TLS_CLIENT_KEY_PATH: cannot read ${join(dir, 'nope.key')}: no such file\n` +
        'configuration error: TEMPORAL_TLS_CLIENT_CERT_PATH: required together with TEMPORAL_TLS_CLIENT_KEY_PATH (mTLS needs the client certificate and its key)\n',
    });
  });
});

import { inspect } from 'node:util';
import { loadMeshConfig } from '../../src/providers/mesh/config';
import { configProblems } from '../helpers/config';

const base = { MESH_BASE_URL: 'http://127.0.0.1:4010', MESH_SCREENING_CONFIGURATION_ID: 'sandbox-default' };

const problemsOf = (env: Record<string, string>) => configProblems(loadMeshConfig, env);

describe('loadMeshConfig', () => {
  it('uses /v3/token credentials with the documented defaults', () => {
    const config = loadMeshConfig({ ...base, MESH_ACCESS_KEY: 'ak', MESH_SECRET: 'top-secret' });
    expect(config).toMatchObject({
      baseUrl: 'http://127.0.0.1:4010',
      screeningConfigurationId: 'sandbox-default',
      credentials: { kind: 'access-key', accessKey: 'ak' },
      rateLimitPerMinute: 300,
      requestTimeoutMs: 10_000,
    });
  });

  it('uses /v2/token credentials and reads the rate limit and timeout', () => {
    const config = loadMeshConfig({
      ...base,
      MESH_REALM: 'acme',
      MESH_USERNAME: 'api@acme.test',
      MESH_PASSWORD: 'pw',
      MESH_RATE_LIMIT_PER_MINUTE: '600',
      MESH_REQUEST_TIMEOUT: '2500ms',
    });
    expect(config.credentials).toMatchObject({ kind: 'password', realm: 'acme', username: 'api@acme.test' });
    expect(config.rateLimitPerMinute).toBe(600);
    expect(config.requestTimeoutMs).toBe(2500);
  });

  it('never prints secrets, however the config is shown', () => {
    const config = loadMeshConfig({ ...base, MESH_ACCESS_KEY: 'ak', MESH_SECRET: 'top-secret' });
    expect(JSON.stringify(config)).not.toContain('top-secret');
    expect(inspect(config, { depth: 5 })).not.toContain('top-secret');
    expect(config.credentials.kind === 'access-key' && config.credentials.secret.toString()).toBe(
      '[redacted]',
    );
    expect(config.credentials.kind === 'access-key' && config.credentials.secret.reveal()).toBe('top-secret');
  });

  it('names what is missing from an incomplete credential set in one line', () => {
    expect(problemsOf({ ...base, MESH_ACCESS_KEY: 'ak' })).toEqual([
      'MESH_SECRET: required together with MESH_ACCESS_KEY',
    ]);
    expect(problemsOf({ ...base, MESH_REALM: 'acme', MESH_PASSWORD: 'pw' })).toEqual([
      'MESH_USERNAME: required together with MESH_REALM, MESH_PASSWORD',
    ]);
  });

  it('refuses no credentials and two credential sets', () => {
    expect(problemsOf(base)[0]).toMatch(
      /^MESH_ACCESS_KEY: no Mesh credentials: set MESH_ACCESS_KEY\+MESH_SECRET/,
    );
    expect(problemsOf({ ...base, MESH_ACCESS_KEY: 'ak', MESH_SECRET: 's', MESH_REALM: 'r' })[0]).toMatch(
      /not both$/,
    );
  });

  it('requires the base URL and the screening configuration, without echoing values', () => {
    const problems = problemsOf({
      MESH_BASE_URL: 'not a url',
      MESH_ACCESS_KEY: 'ak',
      MESH_SECRET: 'top-secret',
    });
    expect(problems).toEqual([
      'MESH_BASE_URL: expected an absolute URL, e.g. http://127.0.0.1:4010',
      'MESH_SCREENING_CONFIGURATION_ID: required: the screening configuration identifier',
    ]);
    expect(problems.join()).not.toContain('top-secret');
  });

  it('refuses a zero timeout', () => {
    expect(
      problemsOf({ ...base, MESH_ACCESS_KEY: 'ak', MESH_SECRET: 's', MESH_REQUEST_TIMEOUT: '0s' }),
    ).toEqual(['MESH_REQUEST_TIMEOUT: expected a duration greater than zero, e.g. 10s']);
  });
});

import { loadCodecServerConfig } from '../../src/codec-server/config';
import { configProblems } from '../helpers/config';

const problemsOf = (env: Record<string, string>) => configProblems(loadCodecServerConfig, env);

describe('codec server configuration', () => {
  it('defaults to loopback port 8888, the local Temporal UI as origin, and no token', () => {
    const config = loadCodecServerConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8888,
      corsOrigins: ['http://127.0.0.1:8233', 'http://localhost:8233'],
    });
    expect(config.authToken).toBeUndefined();
  });

  it('reads origins (a trailing slash tolerated) and the token', () => {
    const config = loadCodecServerConfig({
      CODEC_SERVER_CORS_ORIGINS: 'https://temporal.example.com/, http://localhost:8080',
      CODEC_SERVER_AUTH_TOKEN: 'a-long-enough-token-1234',
    });
    expect(config.corsOrigins).toEqual(['https://temporal.example.com', 'http://localhost:8080']);
    expect(config.authToken?.reveal()).toBe('a-long-enough-token-1234');
    expect(JSON.stringify(config)).not.toContain('a-long-enough-token-1234');
  });

  it('reads trusted client addresses and ranges, and names a malformed entry', () => {
    const { trustedClients } = loadCodecServerConfig({
      CODEC_SERVER_TRUSTED_CLIENTS: '172.31.250.1, 10.0.0.0/8, fd00::/8',
    });
    expect(trustedClients.check('172.31.250.1', 'ipv4')).toBe(true);
    expect(trustedClients.check('10.20.30.40', 'ipv4')).toBe(true);
    expect(trustedClients.check('fd00::5', 'ipv6')).toBe(true);
    expect(trustedClients.check('192.168.0.1', 'ipv4')).toBe(false);
    expect(problemsOf({ CODEC_SERVER_TRUSTED_CLIENTS: '10.0.0.0/8, gateway, 10.0.0.1/40' })).toEqual([
      'CODEC_SERVER_TRUSTED_CLIENTS: entry #2 is not an IP address or CIDR range (e.g. 172.31.250.1 or 10.0.0.0/8)',
      'CODEC_SERVER_TRUSTED_CLIENTS: entry #3 is not an IP address or CIDR range (e.g. 172.31.250.1 or 10.0.0.0/8)',
    ]);
  });

  it('refuses origins with paths or other schemes, and short tokens', () => {
    expect(
      problemsOf({
        CODEC_SERVER_CORS_ORIGINS: 'http://localhost:8233/ui,file:///tmp,*',
        CODEC_SERVER_AUTH_TOKEN: 'short',
      }),
    ).toEqual([
      'CODEC_SERVER_CORS_ORIGINS: origin #1 is not an origin (expected scheme://host[:port] without a path, e.g. http://localhost:8233)',
      'CODEC_SERVER_CORS_ORIGINS: origin #2 is not an origin (expected scheme://host[:port] without a path, e.g. http://localhost:8233)',
      'CODEC_SERVER_CORS_ORIGINS: origin #3 is not an origin (expected scheme://host[:port] without a path, e.g. http://localhost:8233)',
      'CODEC_SERVER_AUTH_TOKEN: expected at least 16 characters (e.g. `openssl rand -hex 32`)',
    ]);
  });
});

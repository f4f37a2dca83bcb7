import { loadBridgeConfig } from '../../src/bridge/config';
import { configProblems } from '../helpers/config';

const SECRET_A = Buffer.from('a'.repeat(32)).toString('base64');
const SECRET_B = Buffer.from('b'.repeat(32)).toString('base64');

const problemsOf = (env: Record<string, string>) => configProblems(loadBridgeConfig, env);

describe('bridge configuration', () => {
  it('defaults to port 3000 with a 5 s signal deadline', () => {
    const config = loadBridgeConfig({ WEBHOOK_SECRET: SECRET_A });
    expect(config.port).toBe(3000);
    expect(config.signalTimeoutMs).toBe(5000);
    expect(config.webhookSecrets.map((s) => s.reveal())).toEqual([SECRET_A]);
    expect(config.legacySecret).toBeUndefined();
  });

  it('splits comma-separated secrets for rotation, tolerating spaces and the whsec_ prefix', () => {
    const config = loadBridgeConfig({ WEBHOOK_SECRET: ` ${SECRET_A} , whsec_${SECRET_B}` });
    expect(config.webhookSecrets.map((s) => s.reveal())).toEqual([SECRET_A, `whsec_${SECRET_B}`]);
  });

  it('refuses to start without any signing secret: the endpoint would be unauthenticated', () => {
    expect(problemsOf({})).toEqual([expect.stringMatching(/^WEBHOOK_SECRET: required/)]);
  });

  it('runs with only the legacy secret when that is all the account has', () => {
    const config = loadBridgeConfig({ WEBHOOK_LEGACY_SECRET: 'shared' });
    expect(config.webhookSecrets).toEqual([]);
    expect(config.legacySecret?.reveal()).toBe('shared');
  });

  it('names a secret that is not base64 by position, never echoing it', () => {
    const problems = problemsOf({ WEBHOOK_SECRET: `${SECRET_A},not base64!` });
    expect(problems).toEqual([expect.stringContaining('secret #2 is not base64')]);
    expect(problems.join()).not.toContain('not base64!,');
    expect(problems.join()).not.toContain(SECRET_A);
  });

  it('never prints secrets when the config is logged', () => {
    const config = loadBridgeConfig({ WEBHOOK_SECRET: SECRET_A, WEBHOOK_LEGACY_SECRET: 'shared-legacy' });
    const printed = JSON.stringify(config);
    expect(printed).not.toContain(SECRET_A);
    expect(printed).not.toContain('shared-legacy');
  });

  it('reads durations and refuses a zero signal deadline', () => {
    expect(loadBridgeConfig({ WEBHOOK_SECRET: SECRET_A, WEBHOOK_SIGNAL_TIMEOUT: '2s' }).signalTimeoutMs).toBe(
      2000,
    );
    expect(problemsOf({ WEBHOOK_SECRET: SECRET_A, WEBHOOK_SIGNAL_TIMEOUT: '0' })).toEqual([
      expect.stringMatching(/^WEBHOOK_SIGNAL_TIMEOUT: /),
    ]);
  });
});

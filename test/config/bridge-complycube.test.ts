import { BRIDGE_ENV_VARIABLES, loadBridgeConfig } from '../../src/bridge/config';
import { configProblems } from '../helpers/config';

const MESH_SECRET = Buffer.from('a'.repeat(32)).toString('base64');

const problemsOf = (env: Record<string, string>) =>
  configProblems(loadBridgeConfig, { WEBHOOK_SECRET: MESH_SECRET, ...env });

describe('bridge configuration: COMPLYCUBE_WEBHOOK_SECRET', () => {
  it('is optional: unset, the ComplyCube route is off', () => {
    expect(loadBridgeConfig({ WEBHOOK_SECRET: MESH_SECRET }).complyCubeWebhookSecrets).toEqual([]);
    // An empty value counts as unset, like every variable.
    expect(
      loadBridgeConfig({ WEBHOOK_SECRET: MESH_SECRET, COMPLYCUBE_WEBHOOK_SECRET: '' })
        .complyCubeWebhookSecrets,
    ).toEqual([]);
  });

  it('splits comma-separated secrets for rotation, trimming spaces, and keeps them as text', () => {
    const config = loadBridgeConfig({
      WEBHOOK_SECRET: MESH_SECRET,
      COMPLYCUBE_WEBHOOK_SECRET: ' old-secret , new+secret/with=any_text ',
    });
    expect(config.complyCubeWebhookSecrets.map((s) => s.reveal())).toEqual([
      'old-secret',
      'new+secret/with=any_text',
    ]);
  });

  it('names the variable when it holds no secret at all', () => {
    expect(problemsOf({ COMPLYCUBE_WEBHOOK_SECRET: ' , ' })).toEqual([
      expect.stringMatching(/^COMPLYCUBE_WEBHOOK_SECRET: expected one or more ComplyCube webhook secrets/),
    ]);
  });

  it('does not replace the Mesh secret: the Mesh route still needs WEBHOOK_SECRET or WEBHOOK_LEGACY_SECRET', () => {
    expect(configProblems(loadBridgeConfig, { COMPLYCUBE_WEBHOOK_SECRET: 'cc' })).toEqual([
      expect.stringMatching(/^WEBHOOK_SECRET: required/),
    ]);
  });

  it('never prints the secrets when the config is logged', () => {
    const config = loadBridgeConfig({
      WEBHOOK_SECRET: MESH_SECRET,
      COMPLYCUBE_WEBHOOK_SECRET: 'cc-one,cc-two',
    });
    const printed = JSON.stringify(config);
    expect(printed).not.toContain('cc-one');
    expect(printed).not.toContain('cc-two');
  });

  it('is one of the variables the bridge reads', () => {
    expect(BRIDGE_ENV_VARIABLES).toContain('COMPLYCUBE_WEBHOOK_SECRET');
  });
});

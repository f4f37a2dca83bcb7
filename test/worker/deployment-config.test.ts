import { ConfigError } from '../../src/platform/config/env';
import { deploymentNameFor, loadDeploymentConfig } from '../../src/worker/deployment-config';

describe('Worker Versioning configuration', () => {
  it('is versioned by default, with the name and build ID left to the worker, promoting only a first version', () => {
    expect(loadDeploymentConfig({})).toEqual({
      versioning: true,
      deploymentName: undefined,
      buildId: undefined,
      promote: 'if-unset',
    });
  });

  it('takes every variable', () => {
    expect(
      loadDeploymentConfig({
        WORKER_VERSIONING: 'false',
        WORKER_DEPLOYMENT_NAME: 'kyc-onboarding',
        WORKER_BUILD_ID: '1.4.0+3f9c2ab41e07.dirty-0a1b2c3d',
        WORKER_DEPLOYMENT_PROMOTE: 'never',
      }),
    ).toEqual({
      versioning: false,
      deploymentName: 'kyc-onboarding',
      buildId: '1.4.0+3f9c2ab41e07.dirty-0a1b2c3d',
      promote: 'never',
    });
  });

  it.each([
    ['WORKER_BUILD_ID', 'release 1', /WORKER_BUILD_ID.*letters, digits/],
    ['WORKER_BUILD_ID', 'x'.repeat(201), /WORKER_BUILD_ID/],
    ['WORKER_DEPLOYMENT_NAME', 'kyc.onboarding', /WORKER_DEPLOYMENT_NAME.*letters, digits, - or _/],
    ['WORKER_DEPLOYMENT_PROMOTE', 'sometimes', /WORKER_DEPLOYMENT_PROMOTE.*if-unset, always, never/],
    ['WORKER_VERSIONING', 'maybe', /WORKER_VERSIONING.*true or false/],
  ])('refuses %s=%j with a message naming it', (variable, value, message) => {
    expect(() => loadDeploymentConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadDeploymentConfig({ [variable]: value })).toThrow(message);
  });

  it('turns any task queue name into a deployment name the server accepts', () => {
    expect(deploymentNameFor('onboarding')).toBe('onboarding');
    expect(deploymentNameFor('kyc.onboarding/eu')).toBe('kyc-onboarding-eu');
    expect(deploymentNameFor('-odd')).toBe('kyc-odd');
    expect(deploymentNameFor('q'.repeat(300))).toHaveLength(100);
  });
});

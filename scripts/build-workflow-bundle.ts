/**
 * `npm run build:workflows [-- <output file>]`: bundles src/workflows once into dist/workflow-bundle.js.
 *
 * A worker started with WORKFLOW_BUNDLE_PATH pointing at the file loads it instead of running webpack at
 * start-up, which saves seconds of CPU and a few hundred MB of memory per start, and every replica of a
 * deployment runs byte-identical workflow code. The Dockerfile builds it into the image.
 *
 * The options must stay those of the worker's own `workflowsPath` bundling (src/worker/main.ts): a workflow
 * interceptor or payload converter added there has to be added here too. The failure converter is always
 * included: it only moves failure messages into the (encrypted, when a key is set) encoded attributes.
 *
 * Next to the default bundle it records the worker's build ID in dist/build-info.json (src/worker/build-id.ts):
 * WORKER_BUILD_ID when set (the Dockerfile's build argument), else `<version>+<git commit>`, else (no git, as
 * in the image build) the version and a hash of the bundle.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../src/platform/codec/data-converter';
import { BUILD_INFO_FILE, buildIdForBuild, packageVersion } from '../src/worker/build-id';

export const DEFAULT_WORKFLOW_BUNDLE_PATH = 'dist/workflow-bundle.js';

/** Writes the bundle (with its inline source map) to `outputPath`; returns the absolute path and size. */
export async function buildWorkflowBundle(
  outputPath: string,
  // Another module only for the deploy drill's changed "version 2" (drills/support/deploy-v2-workflows.ts).
  workflowsPath: string = require.resolve('../src/workflows'),
): Promise<{ path: string; bytes: number; code: string }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    // Workflow failures are converted inside the bundle: without this their messages (which can quote a
    // customer) would reach the history in the clear even with ENCRYPTION_KEY set.
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
  });
  const path = resolve(outputPath);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, code);
  return { path, bytes: Buffer.byteLength(code), code };
}

/** dist/build-info.json: the build ID a worker run from dist/ reports (unless WORKER_BUILD_ID overrides it). */
export async function writeBuildInfo(distDir: string, bundleCode: string): Promise<string> {
  const root = resolve(__dirname, '..');
  const buildId = buildIdForBuild(process.env['WORKER_BUILD_ID'], bundleCode, root);
  const info = { buildId, version: packageVersion(root), builtAt: new Date().toISOString() };
  await writeFile(resolve(distDir, BUILD_INFO_FILE), `${JSON.stringify(info, null, 2)}\n`);
  return buildId;
}

async function main(outputPath: string): Promise<void> {
  const { path, bytes, code } = await buildWorkflowBundle(outputPath);
  process.stdout.write(`workflow bundle: ${path} (${Math.round(bytes / 1024)} KiB)\n`);
  if (outputPath === DEFAULT_WORKFLOW_BUNDLE_PATH) {
    const buildId = await writeBuildInfo(dirname(path), code);
    process.stdout.write(`build ID: ${buildId} (dist/${BUILD_INFO_FILE})\n`);
  }
}

if (require.main === module) {
  main(process.argv[2] ?? DEFAULT_WORKFLOW_BUNDLE_PATH).catch((err: unknown) => {
    process.stderr.write(
      `bundling failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}

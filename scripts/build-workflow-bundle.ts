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
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../src/platform/codec/data-converter';

export const DEFAULT_WORKFLOW_BUNDLE_PATH = 'dist/workflow-bundle.js';

/** Writes the bundle (with its inline source map) to `outputPath`; returns the absolute path and size. */
export async function buildWorkflowBundle(outputPath: string): Promise<{ path: string; bytes: number }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    // Workflow failures are converted inside the bundle: without this their messages (which can quote a
    // customer) would reach the history in the clear even with ENCRYPTION_KEY set.
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
  });
  const path = resolve(outputPath);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, code);
  return { path, bytes: Buffer.byteLength(code) };
}

if (require.main === module) {
  buildWorkflowBundle(process.argv[2] ?? DEFAULT_WORKFLOW_BUNDLE_PATH).then(
    ({ path, bytes }) => process.stdout.write(`workflow bundle: ${path} (${Math.round(bytes / 1024)} KiB)\n`),
    (err: unknown) => {
      process.stderr.write(
        `bundling failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle';

/**
 * Builds the workflow bundle once (as `npm run build:workflows` does), so each worker start of a drill
 * loads it (WORKFLOW_BUNDLE_PATH) instead of spending seconds of both cores on webpack again.
 */
export async function prebuiltBundle(): Promise<string> {
  const startedAt = Date.now();
  const { path, bytes } = await buildWorkflowBundle(
    join(mkdtempSync(join(tmpdir(), 'drill-bundle-')), 'workflows.js'),
  );
  process.stdout.write(
    `workflow bundle built in ${Date.now() - startedAt} ms (${Math.round(bytes / 1024)} KiB): ${path}\n`,
  );
  return path;
}

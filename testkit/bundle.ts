/**
 * Workflow bundles, built once: a bundle takes seconds of both cores, so a test file, a benchmark or a
 * drill builds each at most once and reuses it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { buildWorkflowBundle } from '../scripts/build-workflow-bundle';

const prebuilt = new Map<string, Promise<string>>();

/**
 * The production bundle (scripts/build-workflow-bundle.ts, what the Dockerfile ships and
 * `npm run build:workflows` writes) in a temporary file, built once per process: every worker process
 * started with WORKFLOW_BUNDLE_PATH pointing at it loads it instead of running webpack again. Another
 * `workflowsPath` (the deploy drill's version 2) is bundled the same way.
 */
export function prebuiltWorkflowBundle(log: (line: string) => void, workflowsPath?: string): Promise<string> {
  const key = workflowsPath ?? '';
  let bundle = prebuilt.get(key);
  if (bundle === undefined) {
    bundle = (async () => {
      const startedAt = Date.now();
      const { path, bytes } = await buildWorkflowBundle(
        join(mkdtempSync(join(tmpdir(), 'kyc-workflow-bundle-')), 'workflows.js'),
        workflowsPath,
      );
      log(`workflow bundle built in ${Date.now() - startedAt} ms (${Math.round(bytes / 1024)} KiB): ${path}`);
      return path;
    })();
    prebuilt.set(key, bundle);
  }
  return bundle;
}

const inMemory = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/** `bundleWorkflowCode` once per workflows path (per test file under jest), kept in memory. */
export function bundleOnce(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  let bundle = inMemory.get(workflowsPath);
  if (bundle === undefined) {
    bundle = bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    inMemory.set(workflowsPath, bundle);
  }
  return bundle;
}

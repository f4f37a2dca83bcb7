import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * The worker's build ID: which code a pinned run needs. Two builds with different workflow code must never
 * share one, or a run pinned to it replays on code it did not start on.
 *
 * In order: WORKER_BUILD_ID; the ID `npm run build` recorded in dist/build-info.json (the image has no
 * git); `<package version>+<git commit>` of the checkout, with a hash of the uncommitted changes under
 * src/ when there are any, so a developer's edited worker is a new version too.
 */
export const BUILD_INFO_FILE = 'build-info.json';

const ROOT = resolve(__dirname, '..', '..');

const buildInfoSchema = z.object({ buildId: z.string().min(1) });

export type BuildIdSource = 'WORKER_BUILD_ID' | 'build-info.json' | 'git';

export function resolveBuildId(explicit: string | undefined): { buildId: string; source: BuildIdSource } {
  if (explicit !== undefined) return { buildId: explicit, source: 'WORKER_BUILD_ID' };
  // dist/worker/build-id.js reads dist/build-info.json; under tsx (src/) there is none.
  const recorded = join(__dirname, '..', BUILD_INFO_FILE);
  if (existsSync(recorded)) {
    const parsed = buildInfoSchema.safeParse(JSON.parse(readFileSync(recorded, 'utf8')));
    if (!parsed.success)
      throw new Error(`${recorded} has no buildId: run npm run build again or set WORKER_BUILD_ID`);
    return { buildId: parsed.data.buildId, source: 'build-info.json' };
  }
  const fromGit = gitBuildId(ROOT);
  if (fromGit === undefined) {
    throw new Error(
      'cannot tell which build this worker is (no WORKER_BUILD_ID, no dist/build-info.json, no git checkout): ' +
        'set WORKER_BUILD_ID, e.g. to the release tag',
    );
  }
  return { buildId: fromGit, source: 'git' };
}

export function packageVersion(root: string = ROOT): string {
  const pkg = z
    .object({ version: z.string() })
    .parse(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')));
  return pkg.version;
}

/** `<version>+<commit>` or `<version>+<commit>.dirty-<hash>`; undefined outside a git checkout. */
export function gitBuildId(root: string): string | undefined {
  const git = (...args: string[]): string | undefined => {
    try {
      return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return undefined;
    }
  };
  const commit = git('rev-parse', '--short=12', 'HEAD')?.trim();
  if (commit === undefined || commit === '') return undefined;
  const base = `${packageVersion(root)}+${commit}`;
  const changed = git('diff', 'HEAD', '--binary', '--', 'src', 'package-lock.json') ?? '';
  const untracked = (git('ls-files', '--others', '--exclude-standard', '-z', '--', 'src') ?? '')
    .split('\0')
    .filter((file) => file !== '');
  if (changed === '' && untracked.length === 0) return base;
  const hash = createHash('sha256').update(changed);
  for (const file of untracked.sort()) hash.update(file).update(readFileSync(join(root, file)));
  return `${base}.dirty-${hash.digest('hex').slice(0, 8)}`;
}

/**
 * The ID `npm run build` records in dist/build-info.json: the explicit one (the Dockerfile's build
 * argument), else the checkout's, else (no git, as in the image build) one from the bundle's contents.
 */
export function buildIdForBuild(
  explicit: string | undefined,
  bundleCode: string,
  root: string = ROOT,
): string {
  return explicit !== undefined && explicit !== ''
    ? explicit
    : (gitBuildId(root) ?? bundleBuildId(bundleCode, root));
}

/** For images built without git: the version and a hash of the workflow bundle the image runs. */
export function bundleBuildId(bundleCode: string, root: string = ROOT): string {
  return `${packageVersion(root)}+bundle.${createHash('sha256').update(bundleCode).digest('hex').slice(0, 12)}`;
}

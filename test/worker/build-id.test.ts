import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIdForBuild, bundleBuildId, gitBuildId, resolveBuildId } from '../../src/worker/build-id';

describe('the worker build ID', () => {
  let repo: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });

  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), 'build-id-'));
    mkdirSync(join(repo, 'src'));
    writeFileSync(join(repo, 'package.json'), JSON.stringify({ version: '2.3.4' }));
    writeFileSync(join(repo, 'src', 'workflow.ts'), 'export const step = 1;\n');
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'one');
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  it('is WORKER_BUILD_ID when set', () => {
    expect(resolveBuildId('release-7')).toEqual({ buildId: 'release-7', source: 'WORKER_BUILD_ID' });
  });

  it('is <version>+<commit> for a clean checkout', () => {
    expect(gitBuildId(repo)).toMatch(/^2\.3\.4\+[0-9a-f]{12}$/);
    expect(buildIdForBuild(undefined, 'bundle code', repo)).toBe(gitBuildId(repo));
  });

  it('changes with uncommitted workflow code, so an edited worker is another version', () => {
    const clean = gitBuildId(repo)!;
    writeFileSync(join(repo, 'src', 'workflow.ts'), 'export const step = 2;\n');
    const edited = gitBuildId(repo)!;
    writeFileSync(join(repo, 'src', 'workflow.ts'), 'export const step = 3;\n');
    const editedAgain = gitBuildId(repo)!;
    writeFileSync(join(repo, 'src', 'workflow.ts'), 'export const step = 1;\n');
    writeFileSync(join(repo, 'src', 'new-step.ts'), 'export const added = true;\n');
    const withNewFile = gitBuildId(repo)!;

    expect(edited).toMatch(new RegExp(`^${clean.replace(/[+.]/g, '\\$&')}\\.dirty-[0-9a-f]{8}$`));
    expect(new Set([clean, edited, editedAgain, withNewFile]).size).toBe(4);
  });

  it('ignores changes outside src/ (docs, tests)', () => {
    const clean = gitBuildId(repo);
    writeFileSync(join(repo, 'README.md'), 'notes\n');
    expect(gitBuildId(repo)).toBe(clean);
  });

  it('is undefined outside a git checkout, and the image falls back to a hash of its workflow bundle', () => {
    const plain = mkdtempSync(join(tmpdir(), 'no-git-'));
    try {
      writeFileSync(join(plain, 'package.json'), JSON.stringify({ version: '2.3.4' }));
      expect(gitBuildId(plain)).toBeUndefined();
      expect(bundleBuildId('code A', plain)).toMatch(/^2\.3\.4\+bundle\.[0-9a-f]{12}$/);
      expect(bundleBuildId('code A', plain)).toBe(bundleBuildId('code A', plain));
      expect(bundleBuildId('code B', plain)).not.toBe(bundleBuildId('code A', plain));
      // What `npm run build` records: the build argument, else (no git here) the bundle's hash.
      expect(buildIdForBuild('1.4.0', 'code A', plain)).toBe('1.4.0');
      expect(buildIdForBuild('', 'code A', plain)).toBe(bundleBuildId('code A', plain));
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });
});

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The README is a map and the details live in docs/: a map is only as good as its links. Every relative
 * link in README.md, CONTRIBUTING.md and docs/**\/*.md must point at a file or folder of this repository,
 * and every #anchor at a heading of the Markdown file it names, slugged the way GitHub renders headings.
 * Links to other sites are not fetched (the tests run offline).
 */

const ROOT = resolve(__dirname, '..', '..');

function markdownFilesIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFilesIn(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

const DOCUMENTS = [
  join(ROOT, 'README.md'),
  join(ROOT, 'CONTRIBUTING.md'),
  ...markdownFilesIn(join(ROOT, 'docs')),
];

interface Line {
  number: number;
  text: string;
}

/** The lines outside fenced code blocks (the fences' own lines left out), with their indexes. */
function unfencedLines(lines: readonly string[]): { text: string; index: number }[] {
  const unfenced: { text: string; index: number }[] = [];
  let fence: string | undefined;
  lines.forEach((text, index) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(text)?.[1];
    if (fence === undefined && marker !== undefined) {
      fence = marker;
      return;
    }
    if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return;
    }
    unfenced.push({ text, index });
  });
  return unfenced;
}

/** The document's lines outside fenced code blocks, with inline code spans blanked out. */
function proseLines(markdown: string): Line[] {
  return unfencedLines(markdown.split('\n')).map(({ text, index }) => {
    const withoutComments = text.replace(/<!--.*?-->/g, '');
    return { number: index + 1, text: withoutComments.replace(/(`+)[^`]*?\1/g, 'code') };
  });
}

/** GitHub's heading ids (github-slugger): lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function githubSlug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown file offers: its headings (ATX and setext) and explicit HTML ids. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const add = (heading: string) => {
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  };
  const lines = markdown.split('\n');
  for (const { text, index } of unfencedLines(lines)) {
    const atx = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(text);
    if (atx?.[1] !== undefined) add(atx[1].replace(/`/g, ''));
    const next = lines[index + 1];
    const isParagraphLine = text.trim() !== '' && !/^\s*([#>|*+-]|\d+\.)/.test(text);
    if (next !== undefined && isParagraphLine && /^\s{0,3}(=+|-+)\s*$/.test(next))
      add(text.replace(/`/g, ''));
    for (const match of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1]!);
  }
  return anchors;
}

/** The targets of inline links and images, and of reference definitions, with their line numbers. */
function linksOf(markdown: string): { line: number; target: string }[] {
  const links: { line: number; target: string }[] = [];
  for (const { number, text } of proseLines(markdown)) {
    // From the closing bracket on: a link's text may span lines, its target never does.
    for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ line: number, target: match[1]! });
    }
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(text);
    if (definition?.[1] !== undefined) links.push({ line: number, target: definition[1] });
  }
  return links;
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOfFile(path: string): Set<string> {
  let anchors = anchorCache.get(path);
  if (anchors === undefined) {
    anchors = anchorsOf(readFileSync(path, 'utf8'));
    anchorCache.set(path, anchors);
  }
  return anchors;
}

/** What is wrong with one link target, or undefined when it resolves. */
function problemWith(document: string, target: string): string | undefined {
  // Other sites (https:, mailto:, …) are not checked.
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) return undefined;
  const hashAt = target.indexOf('#');
  const pathPart = hashAt < 0 ? target : target.slice(0, hashAt);
  const anchor = hashAt < 0 ? undefined : decodeURIComponent(target.slice(hashAt + 1));
  const decoded = decodeURIComponent(pathPart.split('?')[0]!);
  const file =
    decoded === ''
      ? document
      : decoded.startsWith('/')
        ? join(ROOT, decoded)
        : resolve(dirname(document), decoded);
  if (!file.startsWith(ROOT)) return `${target}: points outside the repository`;
  if (!existsSync(file)) return `${target}: ${relative(ROOT, file)} does not exist`;
  if (anchor === undefined || anchor === '') return undefined;
  if (statSync(file).isDirectory()) return `${target}: an anchor on a folder`;
  if (!file.endsWith('.md')) {
    // Line anchors of source files (#L10, #L10-L20) are GitHub's; anything else would be a guess.
    return /^L\d+(-L\d+)?$/.test(anchor) ? undefined : `${target}: an anchor on a file that is not Markdown`;
  }
  return anchorsOfFile(file).has(anchor)
    ? undefined
    : `${target}: ${relative(ROOT, file)} has no heading with the anchor #${anchor}`;
}

describe('documentation links', () => {
  it('finds the documents to check', () => {
    const names = DOCUMENTS.map((path) => relative(ROOT, path));
    expect(names).toEqual(
      expect.arrayContaining([
        'README.md',
        'CONTRIBUTING.md',
        'docs/architecture.md',
        'docs/providers/mesh.md',
      ]),
    );
  });

  it.each(DOCUMENTS.map((path) => [relative(ROOT, path), path] as const))(
    'every relative link in %s resolves',
    (_name, path) => {
      const broken = linksOf(readFileSync(path, 'utf8')).flatMap(({ line, target }) => {
        const problem = problemWith(path, target);
        return problem === undefined ? [] : [`line ${line}: ${problem}`];
      });
      expect(broken).toEqual([]);
    },
  );

  it('slugs headings the way GitHub does', () => {
    expect(githubSlug('Benchmarks: `npm run bench`')).toBe('benchmarks-npm-run-bench');
    expect(githubSlug('Environment (`src/sandbox/config.ts`)')).toBe('environment-srcsandboxconfigts');
    expect(githubSlug('Provider budget: a burst of 1,000 onboardings')).toBe(
      'provider-budget-a-burst-of-1000-onboardings',
    );
    expect(githubSlug('Wiring set by `npm start`')).toBe('wiring-set-by-npm-start');
    expect(githubSlug('Metrics (Prometheus)')).toBe('metrics-prometheus');
    expect(githubSlug('Changing a workflow safely')).toBe('changing-a-workflow-safely');
  });

  it('finds a broken link and a broken anchor', () => {
    const readme = join(ROOT, 'README.md');
    expect(problemWith(readme, 'docs/no-such-file.md')).toMatch(/does not exist/);
    expect(problemWith(readme, 'docs/architecture.md#no-such-heading')).toMatch(/no heading/);
    expect(problemWith(readme, 'docs/architecture.md#the-data-path-of-a-webhook')).toBeUndefined();
    expect(problemWith(readme, 'https://temporal.io')).toBeUndefined();
  });
});

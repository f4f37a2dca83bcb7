import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Env } from '../../src/platform/config/env';
import { ROOT } from './compose-file';

/**
 * The application's configuration schemas as the compose test sees them: every `*_ENV_VARIABLES` list and
 * every `load*Config` function exported by a module in src/, discovered rather than listed, so a new
 * section is checked the day it appears. And, per process the image runs, the loaders its entry point reaches.
 */
export type ConfigLoader = (env?: Env) => unknown;

export interface ConfigSchemas {
  /** Variable name -> the export that lists it, e.g. `WORKER_ENV_VARIABLES`. */
  variables: Map<string, string>;
  loaders: Map<string, ConfigLoader>;
}

const SRC = join(ROOT, 'src');
const CONFIG_EXPORT = /^export (?:const [A-Z_]+_ENV_VARIABLES\b|function load[A-Z]\w*Config\b)/m;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

export async function loadConfigSchemas(): Promise<ConfigSchemas> {
  const variables = new Map<string, string>();
  const loaders = new Map<string, ConfigLoader>();
  // Only the modules that declare a section are imported (not every workflow and route of src/).
  const files = sourceFiles(SRC).filter((file) => CONFIG_EXPORT.test(readFileSync(file, 'utf8')));
  for (const file of files.sort()) {
    const exports = (await import(file)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) {
      if (name.endsWith('_ENV_VARIABLES') && Array.isArray(value)) {
        for (const variable of value as unknown[]) variables.set(String(variable), name);
      } else if (/^load[A-Z]\w*Config$/.test(name) && typeof value === 'function') {
        loaders.set(name, value as ConfigLoader);
      }
    }
  }
  return { variables, loaders };
}

/**
 * The TypeScript behind a compiled entry point the image runs: `node dist/worker/main.js` was compiled
 * from src/worker/main.ts (tsconfig.build.json: rootDir src, outDir dist).
 */
export function sourceOfCommand(command: readonly string[]): string {
  const [program, entry] = command;
  const match = entry === undefined ? null : /^dist\/(\S+)\.js$/.exec(entry);
  if (program !== 'node' || match?.[1] === undefined) {
    throw new Error(`not "node dist/<file>.js": ${command.join(' ')}`);
  }
  const source = join(SRC, `${match[1]}.ts`);
  if (!existsSync(source))
    throw new Error(`${entry} has no source: ${relative(ROOT, source)} does not exist`);
  return source;
}

function resolveImport(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

const VALUE_IMPORT = /^\s*(?:import|export)\s+(?!type\b)[^;]*?from\s+'(\.[^']+)'/gm;
// A call, not the definition (`function loadXConfig(`).
const LOADER_CALL = /(?<!function\s+)\b(load[A-Z]\w*Config)\s*\(/g;

/**
 * The config loaders an entry point calls, directly or through the project modules it imports
 * (type-only imports excluded): the sections whose variables that process reads.
 */
export function loadersReachedBy(entry: string): { loaders: string[]; files: string[] } {
  const seen = new Set<string>();
  const loaders = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop();
    if (file === undefined || seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(LOADER_CALL)) if (m[1] !== undefined) loaders.add(m[1]);
    for (const m of source.matchAll(VALUE_IMPORT)) {
      const target = m[1] === undefined ? undefined : resolveImport(file, m[1]);
      if (target !== undefined) queue.push(target);
    }
  }
  return { loaders: [...loaders].sort(), files: [...seen].map((f) => relative(ROOT, f)).sort() };
}

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Env } from '../../src/platform/config/env';
import { ROOT } from './compose-file';

/**
 * The application's configuration schemas as the compose test sees them: every `*_ENV_VARIABLES` list and
 * every `load*Config` function exported by a module in src/config, discovered rather than listed, so a
 * new section is checked the day it appears. And, per npm script, the loaders its entry point reaches.
 */
export type ConfigLoader = (env?: Env) => unknown;

export interface ConfigSchemas {
  /** Variable name -> the export that lists it, e.g. `WORKER_ENV_VARIABLES`. */
  variables: Map<string, string>;
  loaders: Map<string, ConfigLoader>;
}

const CONFIG_DIR = join(ROOT, 'src', 'config');

export async function loadConfigSchemas(): Promise<ConfigSchemas> {
  const variables = new Map<string, string>();
  const loaders = new Map<string, ConfigLoader>();
  const files = readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  for (const file of files.sort()) {
    const exports = (await import(join(CONFIG_DIR, file))) as Record<string, unknown>;
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

/** The file `npm run <script>` starts, from package.json (`tsx <file>`). */
export function entryPointOf(script: string): string {
  const scripts = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const command = scripts[script];
  const match = command === undefined ? null : /^tsx\s+(\S+\.ts)\b/.exec(command);
  if (match?.[1] === undefined) throw new Error(`npm script ${script} is not "tsx <file>": ${command}`);
  return join(ROOT, match[1]);
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
 * The config loaders the entry point of `npm run <script>` calls, directly or through the project
 * modules it imports (type-only imports excluded): the sections whose variables that process reads.
 */
export function loadersReachedBy(script: string): { loaders: string[]; files: string[] } {
  const seen = new Set<string>();
  const loaders = new Set<string>();
  const queue = [entryPointOf(script)];
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

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Env } from '../../src/platform/config/env';

/**
 * docker-compose.yml read the way `docker compose config` would (no Docker runs here): YAML merge keys
 * resolved and every string interpolated against an environment, with compose's rules for `$$`,
 * `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}` and `$VAR`.
 */
export const ROOT = join(__dirname, '..', '..');

export interface Healthcheck {
  test: string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}

export interface DependsOn {
  condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  required?: boolean;
}

export interface Service {
  image?: string;
  build?: unknown;
  entrypoint?: string[];
  command?: string[];
  profiles?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, DependsOn>;
  healthcheck?: Healthcheck;
  configs?: { source: string; target: string }[];
  volumes?: string[];
  init?: boolean;
  restart?: string;
  user?: string;
  read_only?: boolean;
  tmpfs?: string[];
  security_opt?: string[];
  cap_drop?: string[];
  mem_limit?: string;
  networks?: string[];
}

export interface ComposeFile {
  services: Record<string, Service>;
  configs?: Record<string, { content?: string; file?: string }>;
  volumes?: Record<string, unknown>;
  networks?: Record<
    string,
    { internal?: boolean; ipam?: { config?: { subnet?: string; gateway?: string }[] } } | null
  >;
}

/** What compose prints when a `${VAR:?message}` variable is missing: it starts nothing. */
export class MissingVariableError extends Error {
  constructor(
    readonly variable: string,
    readonly hint: string,
  ) {
    super(`required variable ${variable} is missing a value: ${hint}`);
  }
}

const PATTERN = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^}])*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export function interpolate(value: string, env: Env): string {
  return value.replace(
    PATTERN,
    (match, braced: string | undefined, op: string | undefined, arg: string | undefined, bare?: string) => {
      if (match === '$$') return '$';
      const name = braced ?? bare ?? '';
      const set = env[name];
      const isEmpty = set === undefined || set === '';
      switch (op) {
        case ':-':
          return isEmpty ? (arg ?? '') : set;
        case '-':
          return set ?? arg ?? '';
        case ':?':
          if (isEmpty) throw new MissingVariableError(name, arg ?? '');
          return set;
        case '?':
          if (set === undefined) throw new MissingVariableError(name, arg ?? '');
          return set;
        default:
          return set ?? '';
      }
    },
  );
}

function interpolateTree(node: unknown, env: Env): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((item) => interpolateTree(item, env));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, env)]));
  }
  return node;
}

export function readComposeFile(env: Env): ComposeFile {
  const doc: unknown = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
  const file = interpolateTree(doc, env) as ComposeFile;
  // Compose turns numbers and booleans in `environment` into strings; so does this.
  for (const service of Object.values(file.services)) {
    if (service.environment) {
      service.environment = Object.fromEntries(
        Object.entries(service.environment).map(([k, v]) => [k, String(v)]),
      );
    }
  }
  return file;
}

/** Every `${VAR:?...}` / `${VAR?...}` the file requires, in order of first appearance. */
export function requiredVariables(): string[] {
  const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  const names = [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):?\?/g)].map((m) => m[1] ?? '');
  return [...new Set(names)];
}

/** A compose env file (`KEY=VALUE` lines, `#` comments), as `docker compose` reads `.env`. */
export function readEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(ROOT, path), 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const at = trimmed.indexOf('=');
    if (at <= 0) throw new Error(`${path}: not KEY=VALUE: ${trimmed}`);
    out[trimmed.slice(0, at)] = trimmed.slice(at + 1);
  }
  return out;
}

export interface PublishedPort {
  hostIp: string | undefined;
  hostPort: number;
  containerPort: number;
}

/** `[ip:]host:container` short syntax. */
export function parsePort(spec: string): PublishedPort {
  const parts = spec.split(':');
  const containerPort = Number(parts.at(-1));
  const hostPort = Number(parts.at(-2));
  const hostIp = parts.length === 3 ? parts[0] : undefined;
  if (!Number.isInteger(containerPort) || !Number.isInteger(hostPort)) {
    throw new Error(`unexpected port syntax: ${spec}`);
  }
  return { hostIp, hostPort, containerPort };
}

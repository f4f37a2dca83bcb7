import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { platform } from 'node:os';
import { isAbsolute, join } from 'node:path';
import {
  loadClientConfigFromToml,
  loadClientConfigProfile,
  toClientOptions,
  type ClientConfigProfile,
  type ConfigDataSource,
} from '@temporalio/envconfig';
import { z } from 'zod';
import { ConfigError, envField, parseEnv, type Env } from './env';
import { Secret } from './secret';

/**
 * Where Temporal is and how to reach it. Address, namespace, TLS, mTLS, API key and gRPC headers follow
 * the SDK's environment configuration (`@temporalio/envconfig`, the same conventions as the Temporal CLI):
 * the `TEMPORAL_*` variables below win over the profile (`TEMPORAL_PROFILE`, default `default`) of a TOML
 * file (`TEMPORAL_CONFIG_FILE`, else the SDK's default path, e.g. ~/.config/temporalio/temporal.toml).
 * The SDK reads the environment only through `overrideEnvVars`: this module stays its only reader.
 * Certificates and keys are read and checked here, so a bad one stops the process at start with one line
 * naming the variable (or the file and key) that points at it; keys and the API key are never printed.
 */

const HOST_PORT = /^[^\s:]+:\d{1,5}$/;
const HOST_PORT_EXPECTED = 'expected host:port, e.g. 127.0.0.1:7233';
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';
const DEFAULT_PROFILE = 'default';

const optionalBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes')
  .optional();

/** The three TLS files, each given either as a path or as the PEM text itself. */
const TLS_FILES = {
  clientCert: { env: 'TEMPORAL_TLS_CLIENT_CERT', toml: 'client_cert' },
  clientKey: { env: 'TEMPORAL_TLS_CLIENT_KEY', toml: 'client_key' },
  serverCACert: { env: 'TEMPORAL_TLS_SERVER_CA_CERT', toml: 'server_ca_cert' },
} as const;
type TlsFile = keyof typeof TLS_FILES;

const schema = z
  .object({
    // Unset ones fall back to the profile file, then to 127.0.0.1:7233 and `default`.
    TEMPORAL_ADDRESS: z.string().regex(HOST_PORT, { error: HOST_PORT_EXPECTED }).optional(),
    TEMPORAL_NAMESPACE: z.string().optional(),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('onboarding'),
    TEMPORAL_UI_PORT: envField.port(8233),
    TEMPORAL_DB_FILE: z.string().default('.temporal/dev.sqlite'),
    TEMPORAL_CLI_PATH: z.string().optional(),
    // Client security (Temporal Cloud, a secured cluster). An API key implies TLS.
    TEMPORAL_API_KEY: z.string().optional(),
    TEMPORAL_TLS: optionalBoolean,
    TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().optional(),
    TEMPORAL_TLS_CLIENT_CERT_DATA: z.string().optional(),
    TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().optional(),
    TEMPORAL_TLS_CLIENT_KEY_DATA: z.string().optional(),
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().optional(),
    TEMPORAL_TLS_SERVER_CA_CERT_DATA: z.string().optional(),
    TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
    TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: optionalBoolean.refine((v) => v !== true, {
      error:
        'not supported by the TypeScript SDK: set TEMPORAL_TLS_SERVER_NAME to a name in the server certificate, or TEMPORAL_TLS_SERVER_CA_CERT_PATH to its CA',
    }),
    TEMPORAL_PROFILE: z.string().optional(),
    TEMPORAL_CONFIG_FILE: z.string().optional(),
  })
  .check((ctx) => {
    for (const { env } of Object.values(TLS_FILES)) {
      if (ctx.value[`${env}_PATH`] !== undefined && ctx.value[`${env}_DATA`] !== undefined) {
        ctx.issues.push({
          code: 'custom',
          path: [`${env}_PATH, ${env}_DATA`],
          message: 'set one or the other, not both',
          input: undefined,
        });
      }
    }
  });

/**
 * The variables this section reads (e.g. for checking a deployment's environment against them), besides
 * `TEMPORAL_GRPC_META_<HEADER>` (one gRPC header each).
 */
export const TEMPORAL_ENV_VARIABLES: readonly string[] = Object.keys(schema.shape);
const GRPC_META_PREFIX = 'TEMPORAL_GRPC_META_';

export interface TemporalTlsSettings {
  /** The name checked against the server's certificate (and sent as SNI); undefined: the address's host. */
  serverName: string | undefined;
  /** PEM CA certificate(s) the server's certificate must chain to; undefined: the system's trusted roots. */
  serverCACert: Buffer | undefined;
  /** mTLS: this client's PEM certificate and private key; undefined: no client certificate. */
  clientCertPair: { crt: Buffer; key: Secret } | undefined;
}

/** Everything a connection to Temporal needs besides the address. Printing it shows no credential. */
export interface TemporalConnectionSettings {
  /** undefined: plaintext (the local dev server). */
  tls: TemporalTlsSettings | undefined;
  /** Sent as `authorization: Bearer <key>`. */
  apiKey: Secret | undefined;
  /** gRPC headers from TEMPORAL_GRPC_META_* and the profile's grpc_meta; values may be credentials. */
  metadata: Record<string, Secret>;
  /** The TOML file read and the profile taken from it; undefined when there was no file. */
  profile: { file: string; name: string } | undefined;
}

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  uiPort: number;
  dbFile: string;
  cliPath: string | undefined;
  /** Where a person opens the Web UI; derived from the gRPC host and the UI port. */
  uiUrl: string;
  /** TLS, API key and headers; src/platform/temporal/connection.ts turns them into SDK connections. */
  connection: TemporalConnectionSettings;
}

type Parsed = z.output<typeof schema>;

export function loadTemporalConfig(env: Env = process.env): TemporalConfig {
  const c = parseEnv(schema, env);
  const file = readProfileFile(c, env);
  const profileName = c.TEMPORAL_PROFILE ?? DEFAULT_PROFILE;
  const profile = loadProfile(c, env, file, profileName);
  const origin = (field: TlsFile, kind: 'path' | 'data'): string => {
    const variable = `${TLS_FILES[field].env}_${kind.toUpperCase()}`;
    if (env[variable] !== undefined && env[variable] !== '') return variable;
    return `${file?.path ?? 'profile file'} [profile.${profileName}.tls] ${TLS_FILES[field].toml}_${kind}`;
  };
  const tlsFiles = profile.tls?.disabled === true ? {} : readTlsFiles(profile, origin);

  // The SDK's own conversion: an API key implies TLS, `disabled` turns TLS off, a path becomes its bytes.
  const { connectionOptions, namespace } = toClientOptions({
    ...profile,
    ...(profile.tls !== undefined && {
      tls: {
        ...profile.tls,
        ...Object.fromEntries(Object.entries(tlsFiles).map(([k, v]) => [k, { data: v }])),
      },
    }),
  });

  const address = connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS;
  const problems: string[] = [];
  if (c.TEMPORAL_ADDRESS === undefined && !HOST_PORT.test(address)) {
    problems.push(`${file?.path ?? 'profile file'} [profile.${profileName}] address: ${HOST_PORT_EXPECTED}`);
  }
  const metadata = connectionOptions.metadata ?? {};
  if (connectionOptions.apiKey !== undefined && 'authorization' in metadata) {
    problems.push(
      'TEMPORAL_API_KEY: sent as the authorization header, which TEMPORAL_GRPC_META_AUTHORIZATION (or grpc_meta) also sets: keep one',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const tls = connectionOptions.tls;
  const host = address.split(':')[0] ?? '127.0.0.1';
  return {
    address,
    namespace: namespace ?? DEFAULT_TEMPORAL_NAMESPACE,
    taskQueue: c.TEMPORAL_TASK_QUEUE,
    uiPort: c.TEMPORAL_UI_PORT,
    dbFile: c.TEMPORAL_DB_FILE,
    cliPath: c.TEMPORAL_CLI_PATH,
    uiUrl: `http://${host}:${c.TEMPORAL_UI_PORT}`,
    connection: {
      tls:
        tls === undefined || tls === null || tls === false
          ? undefined
          : {
              serverName: tls === true ? undefined : tls.serverNameOverride,
              serverCACert: tlsFiles.serverCACert,
              clientCertPair:
                tlsFiles.clientCert !== undefined && tlsFiles.clientKey !== undefined
                  ? { crt: tlsFiles.clientCert, key: new Secret(tlsFiles.clientKey.toString('utf8')) }
                  : undefined,
            },
      apiKey: connectionOptions.apiKey === undefined ? undefined : new Secret(connectionOptions.apiKey),
      metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, new Secret(String(v))])),
      profile: file === undefined ? undefined : { file: file.path, name: profileName },
    },
  };
}

/**
 * The variables handed to the SDK: ours as parsed (booleans as the SDK spells them; empty ones unset,
 * like everywhere else), and TEMPORAL_GRPC_META_* as given: there an empty value removes a header the
 * profile file sets, as the SDK documents.
 */
function sdkEnv(c: Parsed, env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  const passed = [
    'TEMPORAL_ADDRESS',
    'TEMPORAL_NAMESPACE',
    'TEMPORAL_API_KEY',
    'TEMPORAL_TLS_SERVER_NAME',
    ...Object.values(TLS_FILES).flatMap(({ env: v }) => [`${v}_PATH`, `${v}_DATA`] as const),
  ] as const;
  for (const key of passed) {
    const value = c[key];
    if (value !== undefined) out[key] = value;
  }
  if (c.TEMPORAL_TLS !== undefined) out['TEMPORAL_TLS'] = String(c.TEMPORAL_TLS);
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(GRPC_META_PREFIX) && value !== undefined) out[key] = value;
  }
  return out;
}

interface ProfileFile {
  path: string;
  data: string;
}

/** TEMPORAL_CONFIG_FILE must be readable; the default path may be absent (most machines have none). */
function readProfileFile(c: Parsed, env: Env): ProfileFile | undefined {
  const explicit = c.TEMPORAL_CONFIG_FILE;
  const path = explicit ?? defaultProfileFilePath(env);
  if (path === undefined) return undefined;
  try {
    return { path, data: readFileSync(path, 'utf8') };
  } catch (err) {
    if (explicit === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    const where =
      explicit !== undefined ? 'TEMPORAL_CONFIG_FILE' : `TEMPORAL_CONFIG_FILE (unset, so ${path})`;
    throw new ConfigError([`${where}: cannot read ${path}: ${fsReason(err)}`]);
  }
}

/** The SDK's default location of temporal.toml, from the given environment (not the process's). */
export function defaultProfileFilePath(env: Env): string | undefined {
  const set = (name: string) => (env[name] !== undefined && env[name] !== '' ? env[name] : undefined);
  switch (platform()) {
    case 'win32': {
      const dir = set('APPDATA');
      return dir === undefined ? undefined : join(dir, 'temporalio', 'temporal.toml');
    }
    case 'darwin': {
      const home = set('HOME');
      return home === undefined
        ? undefined
        : join(home, 'Library', 'Application Support', 'temporalio', 'temporal.toml');
    }
    default: {
      const xdg = set('XDG_CONFIG_HOME');
      if (xdg !== undefined) return isAbsolute(xdg) ? join(xdg, 'temporalio', 'temporal.toml') : undefined;
      const home = set('HOME');
      return home === undefined ? undefined : join(home, '.config', 'temporalio', 'temporal.toml');
    }
  }
}

/** The chosen profile with the environment applied over it, by the SDK; its errors become one line each. */
function loadProfile(c: Parsed, env: Env, file: ProfileFile | undefined, name: string): ClientConfigProfile {
  const overrideEnvVars = sdkEnv(c, env);
  const explicit = c.TEMPORAL_PROFILE !== undefined;
  if (file === undefined) {
    if (explicit) {
      const where = c.TEMPORAL_CONFIG_FILE ?? defaultProfileFilePath(env) ?? 'the default path (HOME unset)';
      throw new ConfigError([`TEMPORAL_PROFILE: no profile "${name}": no profile file at ${where}`]);
    }
    return loadClientConfigProfile({ disableFile: true, overrideEnvVars });
  }
  const fileError = (message: string) => new ConfigError([`${file.path}: ${message}`]);
  let profiles: string[];
  try {
    profiles = Object.keys(loadClientConfigFromToml(Buffer.from(file.data), { strict: false }).profiles);
  } catch (err) {
    const { line, column } = err as { line?: unknown; column?: unknown };
    if (err instanceof Error && typeof line === 'number' && typeof column === 'number') {
      // The parser's (smol-toml's) TomlError. Only its first line: the rest quotes the file, API key and all.
      const what = sdkMessage(err).replace(/^Invalid TOML document:\s*/, '');
      throw fileError(`not valid TOML (line ${line}, column ${column}): ${what}`);
    }
    // A document without [profile.*] tables has no profiles (the SDK trips over it).
    if (!(err instanceof TypeError)) throw fileError(sdkMessage(err));
    profiles = [];
  }
  if (!profiles.includes(name)) {
    if (explicit) {
      const has = profiles.length > 0 ? profiles.join(', ') : 'none';
      throw new ConfigError([`TEMPORAL_PROFILE: no profile "${name}" in ${file.path} (profiles: ${has})`]);
    }
    return loadClientConfigProfile({ disableFile: true, overrideEnvVars });
  }
  try {
    return loadClientConfigProfile({
      configSource: { data: file.data },
      profile: name,
      overrideEnvVars,
    });
  } catch (err) {
    // The file alone passed above: a TEMPORAL_TLS_*_PATH/_DATA variable adds the other form of a file it sets.
    const both = /Cannot specify both (\w+)_path and \w+_data/.exec(sdkMessage(err));
    const tlsFile = Object.values(TLS_FILES).find((f) => f.toml === both?.[1]);
    if (tlsFile === undefined) throw fileError(`[profile.${name}] ${sdkMessage(err)}`);
    const [variable, other] =
      c[`${tlsFile.env}_PATH`] !== undefined
        ? [`${tlsFile.env}_PATH`, 'data']
        : [`${tlsFile.env}_DATA`, 'path'];
    throw new ConfigError([
      `${variable}: ${file.path} [profile.${name}.tls] sets ${tlsFile.toml}_${other}; set one or the other, not both`,
    ]);
  }
}

/** Reads and checks the certificates and key: PEM, parseable, and a key that belongs to its certificate. */
function readTlsFiles(
  profile: ClientConfigProfile,
  origin: (field: TlsFile, kind: 'path' | 'data') => string,
): Partial<Record<TlsFile, Buffer>> {
  const problems: string[] = [];
  const out: Partial<Record<TlsFile, Buffer>> = {};
  const sources: Record<TlsFile, ConfigDataSource | undefined> = {
    clientCert: profile.tls?.clientCert,
    clientKey: profile.tls?.clientKey,
    serverCACert: profile.tls?.serverCACert,
  };
  const where = (field: TlsFile) => {
    const source = sources[field];
    return source === undefined ? '' : origin(field, 'path' in source ? 'path' : 'data');
  };
  for (const field of Object.keys(sources) as TlsFile[]) {
    const source = sources[field];
    if (source === undefined) continue;
    if ('path' in source) {
      try {
        out[field] = readFileSync(source.path);
      } catch (err) {
        problems.push(`${where(field)}: cannot read ${source.path}: ${fsReason(err)}`);
      }
    } else {
      out[field] = Buffer.from(source.data);
    }
  }

  const cert = (field: 'clientCert' | 'serverCACert') => {
    const bytes = out[field];
    if (bytes === undefined) return undefined;
    try {
      if (!bytes.includes('-----BEGIN CERTIFICATE-----')) throw new Error('not PEM');
      return new X509Certificate(bytes);
    } catch {
      problems.push(`${where(field)}: expected a PEM certificate (-----BEGIN CERTIFICATE-----)`);
      return undefined;
    }
  };
  const clientCert = cert('clientCert');
  cert('serverCACert');
  let clientKey: ReturnType<typeof createPrivateKey> | undefined;
  if (out.clientKey !== undefined) {
    try {
      if (!out.clientKey.includes('-----BEGIN')) throw new Error('not PEM');
      clientKey = createPrivateKey(out.clientKey);
    } catch {
      // Never the crypto library's message: it may quote the key.
      problems.push(
        `${where('clientKey')}: expected an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)`,
      );
    }
  }
  if (clientCert !== undefined && clientKey !== undefined && !clientCert.checkPrivateKey(clientKey)) {
    problems.push(
      `${where('clientKey')}: this key does not belong to the certificate of ${where('clientCert')}`,
    );
  }

  // mTLS needs both; the SDK would quietly connect without a client certificate.
  const { clientCert: crtSource, clientKey: keySource } = sources;
  if (keySource !== undefined && crtSource === undefined) {
    problems.push(
      `TEMPORAL_TLS_CLIENT_CERT_PATH: required together with ${where('clientKey')} (mTLS needs the client certificate and its key)`,
    );
  }
  if (crtSource !== undefined && keySource === undefined) {
    problems.push(
      `TEMPORAL_TLS_CLIENT_KEY_PATH: required together with ${where('clientCert')} (mTLS needs the client certificate and its key)`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}

function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return code ?? (err instanceof Error ? err.message : String(err));
}

function sdkMessage(err: unknown): string {
  return err instanceof Error ? (err.message.split('\n')[0] ?? err.name) : String(err);
}

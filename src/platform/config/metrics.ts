import { z } from 'zod';
import { parseEnv, type Env } from './env';

/** host:port to serve `/metrics` on, or `off`. An empty value means the default, like every other variable. */
const metricsAddress = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .refine((v) => v.toLowerCase() === 'off' || /^[^\s:]+:\d{1,5}$/.test(v), {
      error: 'expected host:port (e.g. 0.0.0.0:9464) or off',
    })
    .transform((v) => (v.toLowerCase() === 'off' ? undefined : parseHostPort(v)));

const schema = z.object({
  // Loopback by default: metrics name task queues and workflow types, nothing for the public internet.
  WORKER_METRICS_ADDRESS: metricsAddress('127.0.0.1:9464'),
  // Its own port: the webhook port exposes nothing but the webhook and the probes (docs/bridge.md).
  BRIDGE_METRICS_ADDRESS: metricsAddress('127.0.0.1:9465'),
});

/** The variables this section reads (e.g. for checking a deployment's environment against them). */
export const METRICS_ENV_VARIABLES: readonly string[] = Object.keys(schema.shape);

export interface HostPort {
  host: string;
  port: number;
}

export interface MetricsConfig {
  /** The worker's Prometheus endpoint (Temporal SDK and onboarding metrics); undefined: off. */
  worker: HostPort | undefined;
  /** The bridge's Prometheus endpoint (request counts and latencies); undefined: off. */
  bridge: HostPort | undefined;
}

export function loadMetricsConfig(env?: Env): MetricsConfig {
  const c = parseEnv(schema, env);
  return { worker: c.WORKER_METRICS_ADDRESS, bridge: c.BRIDGE_METRICS_ADDRESS };
}

/** The variable that sets each process's metrics address. */
export const METRICS_ADDRESS_VARIABLE = {
  worker: 'WORKER_METRICS_ADDRESS',
  bridge: 'BRIDGE_METRICS_ADDRESS',
} as const;

/**
 * The one line that stops a worker or bridge whose metrics address cannot be bound, e.g. a second worker
 * on the same host finding the default port taken. `code` is the OS's (EADDRINUSE, EADDRNOTAVAIL, EACCES).
 */
export function metricsAddressProblem(
  owner: keyof typeof METRICS_ADDRESS_VARIABLE,
  at: HostPort,
  code: string | undefined,
): string {
  const variable = METRICS_ADDRESS_VARIABLE[owner];
  const address = formatHostPort(at);
  const what =
    code === 'EADDRINUSE'
      ? `${address} is already in use (another ${owner} on this host?)`
      : code === 'EADDRNOTAVAIL'
        ? `cannot listen on ${address} (not an address of this host)`
        : code === 'EACCES'
          ? `cannot listen on ${address} (permission denied)`
          : `cannot listen on ${address}${code === undefined ? '' : ` (${code})`}`;
  return `${variable}: ${what}: set ${variable} to a free host:port, or to off`;
}

export function formatHostPort({ host, port }: HostPort): string {
  return `${host}:${port}`;
}

function parseHostPort(text: string): HostPort {
  const colon = text.lastIndexOf(':');
  return { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
}

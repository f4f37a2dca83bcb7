/**
 * What the typed clients of the sandboxes' control routes share (testkit/*-sandbox-control.ts): one JSON
 * request that throws on a non-2xx answer, the query string of a filter, and the routes every sandbox
 * under `/_sandbox/<name>` has (reset, settings, faults, stats).
 */

/** `?a=1&b=2` of the filter's defined entries; '' when there are none. */
export function queryOf(filter: Record<string, string | undefined>): string {
  const query = new URLSearchParams(
    Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined),
  ).toString();
  return query === '' ? '' : `?${query}`;
}

/**
 * `method` on `origin` + `path` with `body` as JSON (none when undefined); answers the parsed JSON
 * (undefined for an empty body). Throws on a non-2xx answer, naming the method, path, status and body.
 */
export async function controlRequest<T>(
  origin: string,
  method: string,
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<T> {
  const response = await fetch(`${origin}${path}`, {
    method,
    ...(body !== undefined && {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/**
 * The control routes of a sandbox under `prefix` (`/_sandbox/cos`): `request` and the routes they all
 * have. Every call throws on a non-2xx answer.
 */
export class SandboxControlBase<Settings, SettingsPatch, FaultBody, FaultView, Stats> {
  private readonly origin: string;

  /** `url`: the sandbox's origin (trailing slashes are dropped). */
  protected constructor(
    url: string,
    private readonly prefix: string,
    private readonly timeoutMs: number,
  ) {
    this.origin = url.replace(/\/+$/, '');
  }

  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return controlRequest(this.origin, method, `${this.prefix}${path}`, body, this.timeoutMs);
  }

  /** Forgets what the sandbox holds, its faults and counters; settings back to the start options. */
  async reset(): Promise<void> {
    await this.request('POST', '/reset', {});
  }

  /** Changes some settings; answers all of them. */
  settings(patch: SettingsPatch): Promise<Settings> {
    return this.request('PATCH', '/settings', patch);
  }

  getSettings(): Promise<Settings> {
    return this.request('GET', '/settings');
  }

  /** Answers the new fault's id. */
  async addFault(fault: FaultBody): Promise<string> {
    return (await this.request<{ id: string }>('POST', '/faults', fault)).id;
  }

  /** Ends every fault. */
  async clearFaults(): Promise<void> {
    await this.request('DELETE', '/faults');
  }

  /** The faults in force, each with how often it was applied so far. */
  faults(): Promise<FaultView[]> {
    return this.request('GET', '/faults');
  }

  stats(): Promise<Stats> {
    return this.request('GET', '/stats');
  }

  /** Zeroes the counters (what the sandbox holds stays). */
  async resetStats(): Promise<void> {
    await this.request('POST', '/stats/reset', {});
  }
}

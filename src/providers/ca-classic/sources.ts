import ipaddr from 'ipaddr.js';

/**
 * Where ComplyAdvantage's classic webhooks may come from (CA_CLASSIC_WEBHOOK_SOURCES): the classic
 * webhooks are unsigned, so the bridge accepts them only from these addresses (docs/providers/ca-classic.md,
 * "Webhooks"). Pure: the config parses the list once, the bridge matches each request's address with
 * `isAllowedSource`.
 */

/** ComplyAdvantage's documented senders, plus loopback for the local sandbox. */
export const DEFAULT_CA_CLASSIC_WEBHOOK_SOURCES =
  '52.51.2.160,52.212.236.102,52.210.125.73,52.16.199.44,127.0.0.1';

export interface CaClassicSourceRange {
  readonly kind: 'ipv4' | 'ipv6';
  /** The address as ipaddr.js normalises it, e.g. `52.51.2.160` or `2001:db8::`. */
  readonly address: string;
  /** 32 (IPv4) or 128 (IPv6) for a single address. */
  readonly prefixLength: number;
}

/** The parsed list: plain data (it may be logged or compared), matched by `isAllowedSource`. */
export interface CaClassicSources {
  readonly ranges: readonly CaClassicSourceRange[];
}

export class CaClassicSourcesError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'CaClassicSourcesError';
  }
}

const EXPECTED =
  'expected comma-separated IPv4 or IPv6 addresses or CIDR ranges, e.g. 52.51.2.160,10.0.0.0/8,2001:db8::/32';

/** An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, as a dual-stack socket reports IPv4 peers) as IPv4. */
function unmapped(address: ipaddr.IPv4 | ipaddr.IPv6, prefixLength: number): CaClassicSourceRange {
  if (address.kind() === 'ipv6') {
    const v6 = address as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress() && prefixLength >= 96) {
      return { kind: 'ipv4', address: v6.toIPv4Address().toString(), prefixLength: prefixLength - 96 };
    }
    return { kind: 'ipv6', address: v6.toString(), prefixLength };
  }
  return { kind: 'ipv4', address: address.toString(), prefixLength };
}

function parseEntry(entry: string): CaClassicSourceRange | undefined {
  const slash = entry.indexOf('/');
  const addressText = slash === -1 ? entry : entry.slice(0, slash);
  const prefixText = slash === -1 ? undefined : entry.slice(slash + 1);
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  if (ipaddr.IPv4.isValidFourPartDecimal(addressText)) {
    address = ipaddr.IPv4.parse(addressText);
  } else if (addressText.includes(':') && ipaddr.IPv6.isValid(addressText) && !addressText.includes('%')) {
    address = ipaddr.IPv6.parse(addressText);
  } else {
    return undefined;
  }
  const bits = address.kind() === 'ipv4' ? 32 : 128;
  if (prefixText === undefined) return unmapped(address, bits);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefixLength = Number(prefixText);
  if (prefixLength > bits) return undefined;
  return unmapped(address, prefixLength);
}

/**
 * Parses `a,b/n,…` (spaces and empty entries ignored, as the bridge does). Throws a CaClassicSourcesError
 * naming each bad entry by its position; an empty list is refused: it would accept nothing, silently.
 */
export function parseCaClassicSources(text: string): CaClassicSources {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const problems: string[] = [];
  const ranges: CaClassicSourceRange[] = [];
  entries.forEach((entry, index) => {
    const range = parseEntry(entry);
    if (range === undefined) {
      problems.push(`entry ${index + 1} of ${entries.length} is not an address or CIDR range`);
    } else {
      ranges.push(range);
    }
  });
  if (entries.length === 0) throw new CaClassicSourcesError([`${EXPECTED}; the list is empty`]);
  if (problems.length > 0) throw new CaClassicSourcesError([`${EXPECTED}; ${problems.join(', ')}`]);
  return { ranges };
}

/**
 * Whether a request's peer address (as Node reports it: IPv4, IPv6, IPv4-mapped IPv6, possibly with a
 * zone) lies in one of the ranges. An address that does not parse is never allowed.
 */
export function isAllowedSource(sources: CaClassicSources, ip: string): boolean {
  const bare = ip.trim().replace(/%.*$/, '');
  const valid = bare.includes(':') ? ipaddr.IPv6.isValid(bare) : ipaddr.IPv4.isValidFourPartDecimal(bare);
  if (!valid) return false;
  // process(): an IPv4-mapped IPv6 address becomes the IPv4 address it carries.
  const address = ipaddr.process(bare);
  return sources.ranges.some((range) => {
    if (range.kind !== address.kind()) return false;
    const network = ipaddr.parse(range.address);
    return address.match(network, range.prefixLength);
  });
}

import ipaddr from 'ipaddr.js';

/**
 * Lists of IP addresses and CIDR ranges, as the bridge's variables hold them (`CA_CLASSIC_WEBHOOK_SOURCES`,
 * `WEBHOOK_TRUSTED_PROXIES`): comma-separated, spaces ignored, IPv4 and IPv6. An IPv4 address written as
 * IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is the IPv4 address, in a list and in a request alike: a bridge
 * listening on `::` sees IPv4 peers that way.
 */

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range = [Address, number];

/** A compiled list: `isAllowedAddress` asks it about one address. */
export interface AddressMatcher {
  readonly ranges: readonly Range[];
}

export type AddressListParse =
  { ok: true; entries: string[] } | { ok: false; invalid: string[]; entries: string[] };

/** An address as text, IPv4 only as four decimal parts (ipaddr.js alone also takes `10.1` or `167772161`). */
function parseAddress(text: string): Address | undefined {
  if (!ipaddr.isValid(text)) return undefined;
  const address = ipaddr.parse(text);
  if (address.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  return address;
}

/** The canonical text of one entry (`a.b.c.d`, `a.b.c.d/n`, `x::y`, `x::/n`), or undefined when it is neither an address nor a CIDR range. */
export function normaliseAddressEntry(entry: string): string | undefined {
  const text = entry.trim();
  if (text === '' || text.includes('%')) return undefined; // no zone ids: they name an interface, not a peer
  const slash = text.indexOf('/');
  if (slash >= 0) {
    if (parseAddress(text.slice(0, slash)) === undefined || !ipaddr.isValidCIDR(text)) return undefined;
    const [address, bits] = ipaddr.parseCIDR(text);
    // `10.0.0.1/8` is the network `10.0.0.0/8`.
    const network =
      address.kind() === 'ipv4'
        ? ipaddr.IPv4.networkAddressFromCIDR(text)
        : ipaddr.IPv6.networkAddressFromCIDR(text);
    return `${network.toString()}/${bits}`;
  }
  if (parseAddress(text) === undefined) return undefined;
  return ipaddr.process(text).toString();
}

/** Splits a comma-separated list, naming the entries that are neither an address nor a CIDR range. */
export function parseAddressList(text: string): AddressListParse {
  const raw = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const entries: string[] = [];
  const invalid: string[] = [];
  for (const entry of raw) {
    const normalised = normaliseAddressEntry(entry);
    if (normalised === undefined) invalid.push(entry);
    else if (!entries.includes(normalised)) entries.push(normalised);
  }
  return invalid.length > 0 ? { ok: false, invalid, entries } : { ok: true, entries };
}

/** Compiles entries already checked by `parseAddressList`; throws on anything else (a programming error). */
export function compileAddressMatcher(entries: readonly string[]): AddressMatcher {
  const ranges = entries.map((entry): Range => {
    const normalised = normaliseAddressEntry(entry);
    if (normalised === undefined) throw new TypeError(`not an IP address or CIDR range: ${entry}`);
    if (normalised.includes('/')) return ipaddr.parseCIDR(normalised);
    const address = ipaddr.parse(normalised);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  });
  return { ranges };
}

/**
 * Whether `ip` (a request's address, as Node or the trusted-proxy walk gives it) is in the list. Anything
 * that is not an IP address is not allowed.
 */
export function isAllowedAddress(matcher: AddressMatcher, ip: string | undefined): boolean {
  if (ip === undefined || parseAddress(ip) === undefined) return false;
  // `process` turns `::ffff:a.b.c.d` into the IPv4 address.
  const address = ipaddr.process(ip);
  const mapped = address.kind() === 'ipv4' ? (address as ipaddr.IPv4).toIPv4MappedAddress() : undefined;
  return matcher.ranges.some(([network, bits]) => {
    if (network.kind() === address.kind()) return address.match(network, bits);
    // An IPv6 range written over the mapped block (`::ffff:0:0/96`) still covers IPv4 peers.
    return mapped !== undefined && network.kind() === 'ipv6' && mapped.match(network, bits);
  });
}

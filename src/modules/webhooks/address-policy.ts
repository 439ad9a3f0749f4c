import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * True when a webhook may connect to this address: only globally routable unicast. Refused: loopback,
 * RFC 1918 private, link-local (incl. the 169.254.169.254 metadata service), CGNAT (incl. 100.100.100.200),
 * unique-local (incl. fd00:ec2::254), multicast, broadcast, unspecified, reserved and documentation ranges,
 * and IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) unless the embedded
 * address is itself public. Anything that does not parse is refused.
 * @example isPublicAddress('93.184.216.34') // true; isPublicAddress('::ffff:127.0.0.1') // false
 */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIP(bare) === 0) return false;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return isPublicAddress(v6.toIPv4Address().toString());
    // ::a.b.c.d (deprecated IPv4-compatible) is not in ipaddr's list; a stack may still route it to IPv4.
    if (v6.parts.slice(0, 6).every((part) => part === 0)) return false;
    parsed = v6;
  }
  return parsed.range() === 'unicast';
}

/** Names that always mean this machine (RFC 6761), whatever a resolver says. */
export function isLocalName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** The host of a URL as a bare address or name (`[::1]` → `::1`). */
export const bareHost = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

export class PrivateAddressError extends Error {
  readonly code = 'EPRIVATEADDRESS';
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `http.request` that resolves the name and refuses it when *any* address it resolves to is
 * not public. The socket then connects to an address from this very answer, so a name that resolves to a
 * public address when checked and to 127.0.0.1 when connecting (DNS rebinding) cannot get past it.
 * @example http.request(url, { lookup: guardedLookup() })
 */
export function guardedLookup() {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const refused = addresses.find((a) => !isPublicAddress(a.address));
      if (refused || addresses.length === 0) {
        return callback(new PrivateAddressError(`${hostname} resolves to a non-public address`), []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

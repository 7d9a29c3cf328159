// String formats of the schema (addresses, prefixes, route targets, paths): one message per
// failure, precise enough to fix the value (a prefix with host bits set gets its network).

import { formatPrefix, parseIfaceCidr, parseIp, prefixOf } from './ipaddr.js';
import type { StringFormat } from './schema-dsl.js';

const MAX_U32 = 4294967295;

/** undefined when `value` has the format, else why not. */
export function checkFormat(format: StringFormat, value: string): string | undefined {
  switch (format) {
    case 'ipv4':
      return parseIp(value)?.family === 4 ? undefined : 'must be an IPv4 address like 10.0.0.4';
    case 'ip':
      return parseIp(value) ? undefined : 'must be an IPv4 or IPv6 address';
    case 'cidr4':
      return checkPrefix(value, 4);
    case 'cidr6':
      return checkPrefix(value, 6);
    case 'cidr': {
      const family = parseIfaceCidr(value)?.ip.family;
      return family ? checkPrefix(value, family) : 'must be a prefix like 10.1.0.0/24 or fd00::/64';
    }
    case 'ifaceCidr':
      return parseIfaceCidr(value)
        ? undefined
        : 'must be an address with a prefix length, like 192.170.10.1/24 or fd00::1/64';
    case 'routeTarget':
      return checkRouteTarget(value);
    case 'absPath':
      return value.startsWith('/') ? undefined : 'must be an absolute path';
    case 'listenAddress':
      return parseListenAddress(value)
        ? undefined
        : 'must be ADDRESS:PORT with an IP address, like 127.0.0.1:9479 or [::1]:9479';
  }
}

/** "127.0.0.1:9479" / "[::1]:9479" -> host and port; undefined when it is not one. */
export function parseListenAddress(value: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  if (!m) return undefined;
  const host = m[1] ?? m[2] ?? '';
  const ip = parseIp(host);
  const port = Number(m[3]);
  // Brackets for IPv6 only, and an IPv6 address only in brackets.
  if (!ip || (m[1] !== undefined) !== (ip.family === 6) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

function checkPrefix(value: string, family: 4 | 6): string | undefined {
  const example = family === 4 ? '10.0.0.0/24' : 'fd00::/64';
  const c = parseIfaceCidr(value);
  if (!c) return `must be an IPv${family} prefix like ${example}`;
  if (c.ip.family !== family) return `must be an IPv${family} prefix like ${example} (this is IPv${c.ip.family})`;
  const net = prefixOf(c.ip, c.length);
  if (net.network !== c.ip.value) return `host bits are set: did you mean ${formatPrefix(net)}?`;
  return undefined;
}

const DECIMAL = /^(0|[1-9]\d*)$/;

/** ASN:NN (2-byte ASN with 4-byte NN, or 4-byte ASN with 2-byte NN) or A.B.C.D:NN (2-byte NN). */
function checkRouteTarget(value: string): string | undefined {
  const bad = 'must be a route target ASN:NN or A.B.C.D:NN, like 64512:100';
  const cut = value.lastIndexOf(':');
  if (cut < 0) return bad;
  const admin = value.slice(0, cut);
  const nnText = value.slice(cut + 1);
  if (!DECIMAL.test(nnText)) return bad;
  const nn = Number(nnText);
  if (admin.includes('.')) {
    if (parseIp(admin)?.family !== 4) return bad;
    return nn <= 65535 ? undefined : 'route target A.B.C.D:NN needs NN in 0..65535';
  }
  if (!DECIMAL.test(admin)) return bad;
  const asn = Number(admin);
  if (asn < 1 || asn > MAX_U32) return `route target ASN must be 1..${MAX_U32}`;
  const maxNN = asn <= 65535 ? MAX_U32 : 65535;
  return nn <= maxNN ? undefined : `route target ${asn > 65535 ? '4-byte ASN' : 'ASN'}:NN needs NN in 0..${maxNN}`;
}

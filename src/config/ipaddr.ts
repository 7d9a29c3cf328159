// IPv4/IPv6 address and prefix arithmetic on BigInt, strict parsing (no leading zeros,
// no zone ids): every address that reaches `ip` or frr.conf has been through parseIp.

export interface Ip {
  family: 4 | 6;
  value: bigint;
}

export interface Prefix {
  family: 4 | 6;
  /** Network address (host bits zero). */
  network: bigint;
  length: number;
}

const bits = (family: 4 | 6): number => (family === 4 ? 32 : 128);

const V4_OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => V4_OCTET.test(p))) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function parseV6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length > 45) return undefined;
  let body = text;
  // Embedded IPv4 in the last 32 bits (::ffff:1.2.3.4): rewrite it as two hex groups.
  if (body.includes('.')) {
    const cut = body.lastIndexOf(':');
    const v4 = parseV4(body.slice(cut + 1));
    if (v4 === undefined) return undefined;
    body = `${body.slice(0, cut + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): bigint[] | undefined => {
    if (s === '') return [];
    const gs = s.split(':');
    if (!gs.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    return gs.map((g) => BigInt(parseInt(g, 16)));
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const given = head.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const all = [...head, ...Array<bigint>(8 - given).fill(0n), ...tail];
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

export function parseIp(text: string): Ip | undefined {
  if (typeof text !== 'string') return undefined;
  const v4 = parseV4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  if (text.includes(':')) {
    const v6 = parseV6(text);
    if (v6 !== undefined) return { family: 6, value: v6 };
  }
  return undefined;
}

/** An address with a prefix length, e.g. 192.170.10.20/24: the address and the prefix length. */
export function parseIfaceCidr(text: string): { ip: Ip; length: number } | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(typeof text === 'string' ? text : '');
  if (!m) return undefined;
  const ip = parseIp(m[1] ?? '');
  const length = Number(m[2]);
  if (!ip || length > bits(ip.family)) return undefined;
  return { ip, length };
}

/** A network prefix; host bits must be zero (10.0.0.0/24, not 10.0.0.1/24). */
export function parsePrefix(text: string): Prefix | undefined {
  const c = parseIfaceCidr(text);
  if (!c) return undefined;
  const network = c.ip.value & mask(c.ip.family, c.length);
  if (network !== c.ip.value) return undefined;
  return { family: c.ip.family, network, length: c.length };
}

function mask(family: 4 | 6, length: number): bigint {
  const total = bits(family);
  return ((1n << BigInt(total)) - 1n) ^ ((1n << BigInt(total - length)) - 1n);
}

export function formatIp(ip: Ip): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => ((ip.value >> s) & 0xffn).toString()).join('.');
  }
  const groups = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run (>= 2) of zero groups.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export const formatPrefix = (p: Prefix): string => `${formatIp({ family: p.family, value: p.network })}/${p.length}`;

/** Canonical text of an address (lower case, compressed), or the input if it does not parse. */
export function canonicalIp(text: string): string {
  const ip = parseIp(text);
  return ip ? formatIp(ip) : text;
}

/** Number of addresses in the prefix. */
export const prefixSize = (p: Prefix): bigint => 1n << BigInt(bits(p.family) - p.length);

/**
 * The n-th usable address of a prefix (n = 0 is the first usable). IPv4 skips the network and
 * broadcast addresses (except /31, /32: RFC 3021); IPv6 skips the Subnet-Router anycast address
 * (the all-zeros host, RFC 4291 2.6.1) except on /127, /128 (RFC 6164).
 * Returns undefined when the prefix is too small.
 */
export function nthUsable(p: Prefix, n: number): Ip | undefined {
  const size = prefixSize(p);
  const pointToPoint = p.length >= bits(p.family) - 1;
  const first = pointToPoint ? 0n : 1n;
  const usable = pointToPoint ? size : p.family === 4 ? size - 2n : size - 1n;
  if (n < 0 || BigInt(n) >= usable) return undefined;
  return { family: p.family, value: p.network + first + BigInt(n) };
}

export function prefixContains(p: Prefix, ip: Ip): boolean {
  return ip.family === p.family && (ip.value & mask(p.family, p.length)) === p.network;
}

export function prefixesOverlap(a: Prefix, b: Prefix): boolean {
  if (a.family !== b.family) return false;
  const shorter = a.length <= b.length ? a : b;
  const other = shorter === a ? b : a;
  return prefixContains(shorter, { family: other.family, value: other.network });
}

/** The prefix an interface address sits in: 192.170.10.20/24 -> 192.170.10.0/24. */
export function prefixOf(ip: Ip, length: number): Prefix {
  return { family: ip.family, network: ip.value & mask(ip.family, length), length };
}

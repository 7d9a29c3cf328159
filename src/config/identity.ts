// Node identity without a per-node file: node.indexFrom -> the node index, from facts read on
// the node (identity-facts.ts). Pure. OpenPERouter derives its node index from an interface
// address the same way (openperouter #472), because OpenShift/Ignition fleets cannot write a
// file per node. The index must be stable across reboots: an interface's address from DHCP
// reservations or static provisioning, or a hostname with the node number in it.

import { MAX_NODE_INDEX } from './schema.js';
import { formatPrefix, parseIp, parsePrefix, prefixContains, prefixOf, type Ip, type Prefix } from './ipaddr.js';
import type { IndexFromConfig } from './types.js';
import { messageOf } from '../errors.js';

/** An address of the interface, as `ip -j addr` lists it. */
export interface IfaceAddr {
  local: string;
  prefixlen: number;
  /** Global scope (not link-local or host). */
  global: boolean;
}

/** What the node says, for the indexFrom it has. */
export interface IdentityFacts {
  /** Reading the node failed (an `ip` that did not run): why. */
  error?: string;
  hostname?: string;
  /** The interface's addresses; undefined when there is no such interface in the host netns. */
  addrs?: IfaceAddr[];
}

export type DerivedIndex = { ok: true; index: number; from: string } | { ok: false; reason: string };

export function deriveIndex(from: IndexFromConfig, facts: IdentityFacts): DerivedIndex {
  if (facts.error !== undefined) return { ok: false, reason: facts.error };
  if (from.hostname !== undefined) return fromHostname(from.hostname, facts.hostname);
  if (from.interface !== undefined) return fromInterface(from.interface, from.cidr, facts.addrs);
  return { ok: false, reason: 'node.indexFrom names neither an interface nor a hostname pattern' };
}

function fromInterface(name: string, cidr: string | undefined, addrs: IfaceAddr[] | undefined): DerivedIndex {
  if (addrs === undefined) return { ok: false, reason: `interface ${name} not found in the host netns` };
  const parsed = addrs.flatMap((a) => {
    const ip = parseIp(a.local);
    return ip ? [{ ...a, ip }] : [];
  });
  const listed = parsed.filter((a) => a.global).map((a) => `${a.local}/${a.prefixlen}`);
  const has = listed.length ? `it has ${listed.join(', ')}` : 'it has no global address';
  if (cidr !== undefined) {
    const within = parsePrefix(cidr);
    if (!within) return { ok: false, reason: `node.indexFrom.cidr ${cidr} is not a prefix` };
    const a = parsed.find((x) => x.global && prefixContains(within, x.ip));
    if (!a) return { ok: false, reason: `interface ${name} has no address in ${cidr} (${has})` };
    return inRange(
      hostPart(a.ip, within),
      `${a.local}/${a.prefixlen} on ${name}, host part within ${formatPrefix(within)}`,
    );
  }
  const a = parsed.find((x) => x.global && x.ip.family === 4);
  if (!a) return { ok: false, reason: `interface ${name} has no global IPv4 address (${has})` };
  const own = prefixOf(a.ip, a.prefixlen);
  return inRange(hostPart(a.ip, own), `${a.local}/${a.prefixlen} on ${name}, host part within ${formatPrefix(own)}`);
}

const hostPart = (ip: Ip, p: Prefix): bigint => ip.value - p.network;

function fromHostname(pattern: string, hostname: string | undefined): DerivedIndex {
  if (hostname === undefined || hostname === '') return { ok: false, reason: 'the node has no hostname (yet)' };
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'u');
  } catch (e) {
    return { ok: false, reason: `node.indexFrom.hostname is not a regular expression: ${messageOf(e)}` };
  }
  const m = re.exec(hostname);
  if (!m) return { ok: false, reason: `hostname "${hostname}" does not match ${pattern}` };
  const digits = m[1];
  if (digits === undefined || !/^\d+$/.test(digits)) {
    return {
      ok: false,
      reason: `hostname "${hostname}": the capture group of ${pattern} matched ${digits === undefined ? 'nothing' : `"${digits}"`}, not a number`,
    };
  }
  return inRange(BigInt(digits), `hostname "${hostname}" matching ${pattern}`);
}

function inRange(index: bigint, from: string): DerivedIndex {
  if (index > BigInt(MAX_NODE_INDEX))
    return { ok: false, reason: `${from} gives ${index}, above the largest node index ${MAX_NODE_INDEX}` };
  return { ok: true, index: Number(index), from };
}

/** Capture groups of a regular expression source (undefined: it does not compile). */
export function captureGroups(pattern: string): number | undefined {
  try {
    // An alternative that matches the empty string: exec always matches, and the result has
    // one slot per group.
    return (new RegExp(`${pattern}|`, 'u').exec('')?.length ?? 1) - 1;
  } catch {
    return undefined;
  }
}

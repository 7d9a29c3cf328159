// Address rules: the node index fits every CIDR it indexes into, and prefixes that share a
// routing table do not overlap.

import { addressForIndex, sessionAddrs } from './derive.js';
import {
  formatPrefix,
  parseIfaceCidr,
  parsePrefix,
  prefixOf,
  prefixSize,
  prefixesOverlap,
  type Prefix,
} from './ipaddr.js';
import { formatPath, type Path } from './positions.js';
import type { Config } from './types.js';
import type { IssueSink } from './issue-sink.js';
import { OverlapIndex } from './overlap-index.js';

const isStr = (v: unknown): v is string => typeof v === 'string';

/** How many node indexes a prefix has room for, after skipping `reserved` usable addresses. */
function room(cidr: string, reserved: number): bigint {
  const p = parsePrefix(cidr);
  if (!p) return 0n;
  const usable = prefixSize(p) - (p.family === 4 && p.length < 31 ? 2n : 0n) - BigInt(reserved);
  return usable > 0n ? usable : 0n;
}

const fitHint = (n: bigint): string => (n > 0n ? `node.index must be 0..${n - 1n}` : 'it has no room for any node');

/**
 * The index fits every CIDR it indexes into. A derived index (node.indexFrom) is checked on the
 * node, once known: `at` then points at indexFrom and `what` says where the number came from.
 */
export function checkNodeFit(c: Config, sink: IssueSink, at: Path = ['node', 'index'], what = ''): void {
  const given = c.node?.index;
  if (typeof given !== 'number') return;
  const shown = what ? `derived index ${given} (${what})` : `${given}`;
  const u = c.underlay ?? {};
  if (!isStr(c.node.vtepIP) && isStr(u.vtepCIDR) && !addressForIndex(u.vtepCIDR, given)) {
    sink.error(
      at,
      `${shown} does not fit underlay.vtepCIDR ${u.vtepCIDR} (VTEP = first usable + index; ${fitHint(room(u.vtepCIDR, 0))})`,
    );
  }
  if (!isStr(c.node.routerID) && isStr(u.routerIDCIDR) && !addressForIndex(u.routerIDCIDR, given)) {
    sink.error(
      at,
      `${shown} does not fit underlay.routerIDCIDR ${u.routerIDCIDR} (router-id = first usable + index; ${fitHint(room(u.routerIDCIDR, 0))})`,
    );
  }
  for (const [path, cidr] of sessionCidrs(c)) {
    if (!sessionAddrs(cidr, given)) {
      sink.error(
        at,
        `${shown} does not fit ${formatPath(path)} ${cidr} (host side = first usable + 1 + index; ${fitHint(room(cidr, 1))})`,
      );
    }
  }
}

/** Every hostSession localCIDR that parsed: [path, cidr]. */
function sessionCidrs(c: Config): Array<[Path, string]> {
  const out: Array<[Path, string]> = [];
  (c.l3vnis ?? []).forEach((v, i) => {
    const lc = v.hostSession?.localCIDR;
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const cidr = lc?.[fam];
      if (isStr(cidr) && parsePrefix(cidr)) out.push([['l3vnis', i, 'hostSession', 'localCIDR', fam], cidr]);
    }
  });
  return out;
}

interface Net {
  path: Path;
  prefix: Prefix;
}

/** Reports every later net overlapping an earlier one in the list (naming the first such). */
function reportOverlaps(nets: readonly Net[], sink: IssueSink, why: string): void {
  const index = new OverlapIndex<Net>();
  for (const b of nets) {
    const a = index.firstOverlap(b.prefix);
    if (a)
      sink.error(
        b.path,
        `${formatPrefix(b.prefix)} overlaps ${formatPath(a.path)} (${formatPrefix(a.prefix)}): ${why}`,
      );
    index.add(b.prefix, b);
  }
}

export function checkOverlaps(c: Config, sink: IssueSink): void {
  const sessions: Net[] = sessionCidrs(c).flatMap(([path, cidr]) => {
    const prefix = parsePrefix(cidr);
    return prefix ? [{ path, prefix }] : [];
  });
  // Every host leg lives in the host's one routing table, whatever VRF its router side is in.
  reportOverlaps(sessions, sink, 'host-session CIDRs of all VRFs share the host routing table');

  const u = c.underlay ?? {};
  const infra: Net[] = (['vtepCIDR', 'routerIDCIDR'] as const).flatMap((k) => {
    const prefix = isStr(u[k]) ? parsePrefix(u[k]) : undefined;
    return prefix ? [{ path: ['underlay', k], prefix }] : [];
  });
  for (const s of sessions) {
    const a = infra.find((x) => prefixesOverlap(x.prefix, s.prefix));
    if (a) sink.error(s.path, `${formatPrefix(s.prefix)} overlaps ${formatPath(a.path)} (${formatPrefix(a.prefix)})`);
  }

  // Within one VRF: its host session and the gateway subnets of its L2VNIs are routes of the
  // same table. Grouped in one pass (host sessions first, then the L2VNIs in order).
  const byVrf = new Map<string, Net[][]>();
  for (const v of c.l3vnis ?? []) if (isStr(v.vrf) && !byVrf.has(v.vrf)) byVrf.set(v.vrf, []);
  for (const s of sessions) byVrf.get(c.l3vnis[s.path[1] as number]?.vrf ?? '')?.push([s]);
  (c.l2vnis ?? []).forEach((l2, i) => {
    const groups = isStr(l2.l3vni) ? byVrf.get(l2.l3vni) : undefined;
    if (!groups) return;
    const nets: Net[] = [];
    (l2.gatewayIPs ?? []).forEach((g, k) => {
      const ic = isStr(g) ? parseIfaceCidr(g) : undefined;
      if (ic) nets.push({ path: ['l2vnis', i, 'gatewayIPs', k], prefix: prefixOf(ic.ip, ic.length) });
    });
    groups.push(nets);
  });
  for (const [vrf, groups] of byVrf) reportGatewayOverlaps(groups, sink, vrf);
}

/**
 * Gateway subnets against the VRF's host sessions and the other L2VNIs' gateway subnets. A group
 * is one host session or one L2VNI's gateways: those of the same L2VNI may overlap each other
 * (they are one bridge's addresses), so a group is queried before any of it is indexed.
 */
function reportGatewayOverlaps(groups: ReadonlyArray<readonly Net[]>, sink: IssueSink, vrf: string): void {
  const index = new OverlapIndex<Net>();
  for (const group of groups) {
    for (const b of group) {
      if (b.path[0] !== 'l2vnis') continue;
      const a = index.firstOverlap(b.prefix);
      if (a)
        sink.error(
          b.path,
          `subnet ${formatPrefix(b.prefix)} overlaps ${formatPath(a.path)} (${formatPrefix(a.prefix)}) in VRF ${vrf}`,
        );
    }
    for (const b of group) index.add(b.prefix, b);
  }
}

// Kernel operations: one constructor per `ip` command shape. An Op is data (printable by
// `plan`, rendered into `ip -batch` lines by batch.ts); `why` is the one line `plan` shows.

import type { DesiredLink, NsId } from '../model/desired.js';
import { OWNER_ALIAS, ROUTE_PROTO } from '../model/names.js';

/**
 * 'pre' runs before frr.conf is written and FRR reloaded, 'post' after (see plan.ts for why new
 * links stay down until 'post').
 */
export type Phase = 'pre' | 'post';

export interface IpOp {
  kind: 'ip';
  ns: NsId;
  phase: Phase;
  /** Arguments of one `ip` command, without `ip` and without `-n`. A leading '-6' means "IPv6 rule": run in an `ip -6 -batch`. */
  args: string[];
  why: string;
}

export interface SysctlOp {
  kind: 'sysctl';
  ns: NsId;
  phase: Phase;
  key: string;
  value: string;
  why: string;
}

export type Op = IpOp | SysctlOp;

/** Where a link moved out of the router netns goes: a named netns, or the netns of a pid. */
export type NetnsTarget = { name: string } | { pid: number };

const ip = (ns: NsId, phase: Phase, args: string[], why: string): IpOp => ({ kind: 'ip', ns, phase, args, why });

export const sysctlOp = (ns: NsId, phase: Phase, key: string, value: string, why: string): SysctlOp => ({
  kind: 'sysctl',
  ns,
  phase,
  key,
  value,
  why,
});

/** Type arguments of `link add` for a kind (veth and vlan are built by their own constructors). */
function typeArgs(l: DesiredLink): string[] {
  switch (l.kind) {
    case 'bridge':
      return ['type', 'bridge'];
    // No dev/remote/group: EVPN (zebra) fills the FDB; nolearning for the same reason.
    case 'vxlan':
      if (!l.vxlan) throw new Error(`link ${l.name}: vxlan without vxlan attributes`);
      return [
        'type',
        'vxlan',
        'id',
        String(l.vxlan.vni),
        'local',
        l.vxlan.local,
        'dstport',
        String(l.vxlan.port),
        'nolearning',
      ];
    case 'vrf':
      if (!l.vrf) throw new Error(`link ${l.name}: vrf without a table`);
      return ['type', 'vrf', 'table', String(l.vrf.table)];
    default:
      throw new Error(`link ${l.name}: kind ${l.kind} has its own constructor`);
  }
}

// The kernel ignores IFLA_IFALIAS in a link-creating RTM_NEWLINK (`ip link add X alias Y` is
// accepted and silently drops the alias; seen on 6.18 with iproute2 6.1), so the ownership mark
// is a `link set` on the next line of the same batch.
// iproute2 6.1 also rejects `addrgenmode` on `link add` (RTNETLINK: Address family not
// supported), so a link that wants no link-local (desired.ts) gets `addrgenmode none` on that
// same line: it takes effect at the next NETDEV_UP, and new links come up only in 'post', so they
// never get one.
const aliasOp = (ns: NsId, name: string, why: string, noLinkLocal = false): IpOp =>
  ip(
    ns,
    'pre',
    ['link', 'set', 'dev', name, 'alias', OWNER_ALIAS, ...(noLinkLocal ? ['addrgenmode', 'none'] : [])],
    noLinkLocal ? `${why}; no IPv6 link-local (${NO_LINK_LOCAL_WHY})` : why,
  );

/** Why a link goes without an IPv6 link-local, in plan output. */
export const NO_LINK_LOCAL_WHY = 'no IPv6 on it: a bridge port, or a bridge that does not route';

// Every device name is written after `name`, `dev`, `link`, `master` or `peer name`, never
// bare: ip reads a bare argument as a keyword when it is one (`link add up type vrf` brings up a
// VRF the kernel names itself; `n` is an abbreviation of `nomaster`). Validation refuses such
// names too (model/names.ts ipKeywordClash), and test/unit/kernel/plan.test.ts checks every
// line the planner emits.

/** Bridge, VXLAN or VRF, created admin down with every attribute it can take at creation. */
export function linkAdd(l: DesiredLink, withMaster: boolean, why: string): IpOp[] {
  const args = [
    'link',
    'add',
    'name',
    l.name,
    ...common(l),
    ...(withMaster && l.master ? ['master', l.master] : []),
    ...typeArgs(l),
  ];
  return [
    ip(l.ns, 'pre', args, why),
    aliasOp(l.ns, l.name, `mark ${l.name} as evpn-node's`, l.ipv6LinkLocal === false),
  ];
}

const common = (l: Pick<DesiredLink, 'mtu' | 'mac'>): string[] => [
  ...(l.mtu !== undefined ? ['mtu', String(l.mtu)] : []),
  ...(l.mac ? ['address', l.mac] : []),
];

/**
 * A veth pair from the host side, its router end created directly in the router netns
 * (`peer name R netns NS`): moving an existing link to another netns waits for an RCU grace
 * period (dev_change_net_namespace -> synchronize_net), ~20 ms per veth, which made the moves
 * 95 % of a 1000-VNI apply; creating the peer in place costs no such wait. The kernel drops
 * IFLA_IFALIAS at creation, so the router end is marked by the router batch (first line for
 * it); until then it is recognised as ours by being paired with our marked host end (see
 * plan-links.ts markBlocked).
 */
export function vethAdd(
  hostLeg: DesiredLink,
  routerLeg: DesiredLink,
  routerNetns: string,
  withHostMaster: boolean,
  why: string,
): IpOp[] {
  const args = [
    'link',
    'add',
    'name',
    hostLeg.name,
    ...common(hostLeg),
    ...(withHostMaster && hostLeg.master ? ['master', hostLeg.master] : []),
    'type',
    'veth',
    'peer',
    'name',
    routerLeg.name,
    ...common(routerLeg),
    'netns',
    routerNetns,
  ];
  return [
    ip('host', 'pre', args, why),
    aliasOp('host', hostLeg.name, `mark ${hostLeg.name} as evpn-node's`, hostLeg.ipv6LinkLocal === false),
  ];
}

/** The ownership mark on a link created without it (a veth end created in another netns); `noLinkLocal` as desired.ts says. */
export const markOurs = (ns: NsId, name: string, why: string, noLinkLocal = false): IpOp =>
  aliasOp(ns, name, why, noLinkLocal);

/** The underlay VLAN NIC, created in the host netns (then moved like any NIC). */
export function vlanAdd(name: string, parent: string, id: number, why: string): IpOp[] {
  return [
    ip('host', 'pre', ['link', 'add', 'link', parent, 'name', name, 'type', 'vlan', 'id', String(id)], why),
    aliasOp('host', name, `mark ${name} as evpn-node's`),
  ];
}

export interface LinkChanges {
  /** A bridge/VRF name, or null for nomaster. */
  master?: string | null;
  mtu?: number;
  mac?: string;
}

/** One `link set` with only the attributes that differ. */
export function linkSet(ns: NsId, phase: Phase, name: string, c: LinkChanges, why: string): IpOp {
  const args = ['link', 'set', 'dev', name];
  if (c.mtu !== undefined) args.push('mtu', String(c.mtu));
  if (c.mac !== undefined) args.push('address', c.mac);
  if (c.master === null) args.push('nomaster');
  else if (c.master !== undefined) args.push('master', c.master);
  return ip(ns, phase, args, why);
}

// Slave data is applied against the master the link has when the message arrives, so this is
// always its own line after any `master` change (and re-enslaving resets the flags).
export function bridgePortSet(
  ns: NsId,
  phase: Phase,
  name: string,
  f: { neighSuppress: boolean; learning: boolean },
  why: string,
): IpOp {
  return ip(
    ns,
    phase,
    [
      'link',
      'set',
      'dev',
      name,
      'type',
      'bridge_slave',
      'neigh_suppress',
      onOff(f.neighSuppress),
      'learning',
      onOff(f.learning),
    ],
    why,
  );
}

const onOff = (b: boolean): string => (b ? 'on' : 'off');

// For an existing link: takes effect at the next NETDEV_UP; on a link that is up, the link-local
// address it has stays (addrDel it).
export const addrGenModeNone = (ns: NsId, phase: Phase, name: string, why: string): IpOp =>
  ip(ns, phase, ['link', 'set', 'dev', name, 'addrgenmode', 'none'], why);

export const linkUp = (ns: NsId, phase: Phase, name: string, why: string): IpOp =>
  ip(ns, phase, ['link', 'set', 'dev', name, 'up'], why);

export const linkSetGroup = (ns: NsId, phase: Phase, name: string, group: number, why: string): IpOp =>
  ip(ns, phase, ['link', 'set', 'dev', name, 'group', String(group)], why);

/** Deletes every device in the group at once (see teardown.ts for when that is allowed). */
export const linkDelGroup = (ns: NsId, phase: Phase, group: number, why: string): IpOp =>
  ip(ns, phase, ['link', 'del', 'group', String(group)], why);

export const linkDel = (ns: NsId, phase: Phase, name: string, why: string): IpOp =>
  ip(ns, phase, ['link', 'del', 'dev', name], why);

export function linkMove(ns: NsId, phase: Phase, name: string, target: NetnsTarget, why: string): IpOp {
  return ip(ns, phase, ['link', 'set', 'dev', name, 'netns', 'name' in target ? target.name : String(target.pid)], why);
}

export function addrAdd(ns: NsId, phase: Phase, dev: string, cidr: string, why: string, label?: string): IpOp {
  return ip(ns, phase, ['addr', 'add', cidr, 'dev', dev, ...(label ? ['label', label] : [])], why);
}

export const addrDel = (ns: NsId, phase: Phase, dev: string, cidr: string, why: string): IpOp =>
  ip(ns, phase, ['addr', 'del', cidr, 'dev', dev], why);

export interface RouteSpec {
  dst: string;
  gateway?: string;
  dev?: string;
  /** Omitted: main. */
  table?: number;
  /** Omitted: ROUTE_PROTO (ours). */
  protocol?: number;
  metric?: number;
  prefsrc?: string;
  onlink?: boolean;
}

function routeArgs(r: RouteSpec): string[] {
  return [
    r.dst,
    ...(r.gateway ? ['via', r.gateway] : []),
    ...(r.dev ? ['dev', r.dev] : []),
    ...(r.table !== undefined && r.table !== 254 ? ['table', String(r.table)] : []),
    'proto',
    String(r.protocol ?? ROUTE_PROTO),
    ...(r.metric ? ['metric', String(r.metric)] : []),
    ...(r.prefsrc ? ['src', r.prefsrc] : []),
    ...(r.onlink ? ['onlink'] : []),
  ];
}

export const routeAdd = (ns: NsId, phase: Phase, r: RouteSpec, why: string): IpOp =>
  ip(ns, phase, ['route', 'add', ...routeArgs(r)], why);
export const routeReplace = (ns: NsId, phase: Phase, r: RouteSpec, why: string): IpOp =>
  ip(ns, phase, ['route', 'replace', ...routeArgs(r)], why);
export const routeDel = (ns: NsId, phase: Phase, r: RouteSpec, why: string): IpOp =>
  ip(ns, phase, ['route', 'del', ...routeArgs(r)], why);

// `rule` lines in a batch are IPv4 unless ip runs with -6 (a `from ::/0` selector does not
// switch the family: it silently makes an IPv4 rule). '-6' marks the op for an `ip -6 -batch`.
export function ruleAdd(ns: NsId, phase: Phase, family: 4 | 6, pref: number, why: string): IpOp {
  return ip(ns, phase, [...(family === 6 ? ['-6'] : []), 'rule', 'add', 'pref', String(pref), 'table', 'local'], why);
}

export function ruleDel(ns: NsId, phase: Phase, family: 4 | 6, pref: number, why: string): IpOp {
  return ip(ns, phase, [...(family === 6 ? ['-6'] : []), 'rule', 'del', 'pref', String(pref), 'table', 'local'], why);
}

/** `ip -n NAME args` as `plan` prints it. */
export function describeOp(op: Op, nsName: (ns: NsId) => string | undefined): string {
  const name = nsName(op.ns);
  if (op.kind === 'sysctl') return `${name ? `ip netns exec ${name} ` : ''}sysctl -w ${op.key}=${op.value}`;
  return ['ip', ...(name ? ['-n', name] : []), ...op.args].join(' ');
}

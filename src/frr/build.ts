// Config + Derived + secrets -> FrrModel. Every decision about what frr.conf says is made here
// (the templates only loop and print). Pure: secrets arrive resolved (the IO layer reads
// passwordFile), nothing is read from disk or the environment.
//
// Rule: render only what the operator configured, and never a value FRR treats as its default.
// FRR leaves defaults out of `show running-config`, so a rendered default shows up as a
// perpetual diff in frr-reload.py and gets re-applied (resetting sessions) on every reload
// (FRR #22953, MetalLB #1537). The FRR_DEFAULTS below are the ones FRR 8.4 and 10.x hide.

import type { Config, FrrLogLevel, NeighborConfig, PeerType } from '../config/types.js';
import type { Derived, DerivedL3 } from '../config/derive.js';
import { addrOf } from '../config/derive.js';
import { canonicalIp, parseIfaceCidr, parseIp } from '../config/ipaddr.js';
import type {
  FrrAddressFamily,
  FrrAfNeighbor,
  FrrBfdProfile,
  FrrEvpnVni,
  FrrModel,
  FrrNeighbor,
  FrrUnicastFamily,
  FrrVrfRouter,
} from './model.js';

/** Values FRR does not print back (checked against FRR 8.4's running-config). */
export const FRR_DEFAULTS = {
  /** `log syslog debugging` reads back as a bare `log syslog`. */
  logLevel: 'debugging' as FrrLogLevel,
  bfdReceiveInterval: 300,
  bfdTransmitInterval: 300,
  bfdDetectMultiplier: 3,
  bgpPort: 179,
  /** TTL 1 is a directly connected eBGP session: FRR drops `ebgp-multihop 1`. */
  ebgpMultihop: 1,
} as const;

/**
 * As-path list of the routes this node originates itself (an empty AS path). With several ToRs
 * it filters what the underlay announces in IPv4 unicast: a node that passed on the VTEPs it
 * learned from one ToR to the other would offer itself as a transit path between them (it
 * accepts other nodes' VTEPs because of allowas-in, and the other ToR's best path to a node
 * whose own link to it failed could then run through a server). EVPN needs no such filter: its
 * routes keep the originating VTEP as next hop, so a re-advertised one carries no traffic through us.
 */
export const OWN_ROUTES_LIST = 'evpn-node-own';

export function buildFrrModel(config: Config, derived: Derived, secrets: ReadonlyMap<number, string>): FrrModel {
  const asn = config.underlay.asn;
  const bfdProfiles: FrrBfdProfile[] = [];
  const neighbors = config.underlay.neighbors.map((n, i) => {
    const profile = bfdProfileFor(n);
    if (profile) bfdProfiles.push(profile);
    return underlayNeighbor(n, i, asn, secrets, profile?.name ?? null);
  });
  // Shared ASN: every node of the fleet may use the same underlay ASN, so an eBGP session with
  // a ToR must accept routes a node of our ASN originated (OpenPERouter renders allowas-in on
  // eBGP underlay sessions for the same reason). `origin` accepts our ASN only as the origin:
  // another node's VTEP and EVPN routes, not a path that went through our ASN and back out.
  const allowasIn = config.underlay.neighbors.map((n) => !isInternal(n, asn) && n.allowASIn !== false);
  const af =
    (filterListOut: string | null) =>
    (n: FrrNeighbor, i: number): FrrAfNeighbor => ({
      peer: n.peer,
      allowasInOrigin: allowasIn[i] ?? false,
      filterListOut,
      nextHopSelfForce: false,
    });
  const evpnVnis = config.l2vnis
    .map((l2): FrrEvpnVni => {
      const auto = autoRouteTarget(asn, l2.vni);
      return {
        vni: l2.vni,
        routeTargets: { import: l2RouteTargets(l2.importRTs, auto), export: l2RouteTargets(l2.exportRTs, auto) },
      };
    })
    .filter((v) => v.routeTargets.import.length > 0 || v.routeTargets.export.length > 0);
  const ownOnly = derived.ecmp ? OWN_ROUTES_LIST : null;
  return {
    logLevel: config.frr.logLevel === FRR_DEFAULTS.logLevel ? null : config.frr.logLevel,
    // Several ToRs: zebra installs routes with their next hops inline, not through kernel
    // nexthop objects. A ToR link going down makes the kernel drop the nexthop objects on it,
    // and FRR before 9.1 keeps using their ids: once the link is back, the ECMP group of every
    // route lost that member in the kernel while `show ip route` still listed both (seen in
    // test/integration/rack-fabric.test.ts with FRR 8.4; FRR #14080, #12239). Inline next hops
    // cannot go stale that way; a host router has few routes, so the objects save little.
    kernelNexthopGroups: !derived.ecmp,
    vrfs: config.l3vnis.map((l3) => ({ vrf: l3.vrf, vni: l3.vni })),
    bfdProfiles,
    ownRoutesList: ownOnly,
    underlay: {
      asn,
      routerId: derived.routerId,
      // ECMP across ToRs: BGP multipath needs equal AS paths, and two ToRs usually have two
      // ASNs (one per ToR, RFC 7938): "64512 64514" and "64513 64514" only count as equal
      // with multipath-relax (das-schiff-network-operator renders it too). maximum-paths is
      // left at FRR's default (64), which a rendered value would only repeat.
      multipathRelax: derived.ecmp,
      neighbors,
      // Every ToR session carries the VTEP /32 (IPv4 unicast: the VXLAN underlay) and EVPN.
      unicast: [{ family: 'ipv4', networks: [`${derived.vtep}/32`], activate: neighbors.map(af(ownOnly)) }],
      evpn: { activate: neighbors.map(af(null)), vnis: evpnVnis },
    },
    vrfRouters: derived.l3.map((l3) => vrfRouter(config, derived, l3)),
    rawConfig: rawConfigOf(config.frr.rawConfig),
  };
}

/**
 * FRR's automatic route target of an L2VNI: <2-octet ASN>:<VNI>, a 4-octet ASN cut to its low
 * 16 bits (seen on FRR 8.4: AS 4200000001 -> 59905:VNI).
 */
export const autoRouteTarget = (asn: number, vni: number): string => `${asn % 65536}:${vni}`;

/**
 * An L2VNI's `route-target import|export` lines. FRR (8.4) ignores a route-target line equal to
 * the automatic RT while that is still in use, and the first other RT replaces the automatic one:
 * - [auto] alone is FRR's default: print nothing (else a perpetual diff);
 * - auto among others goes last, so it is added back after the others replaced it.
 */
function l2RouteTargets(rts: readonly string[], auto: string): string[] {
  const others = rts.filter((rt) => rt !== auto);
  return others.length === 0 ? [] : rts.includes(auto) ? [...others, auto] : others;
}

/** Verbatim, minus trailing newlines (the template ends the file with exactly one). */
function rawConfigOf(raw: string | undefined): string | null {
  const text = (raw ?? '').replace(/\n+$/, '');
  return text.trim() === '' ? null : text;
}

function underlayNeighbor(
  n: NeighborConfig,
  index: number,
  localAsn: number,
  secrets: ReadonlyMap<number, string>,
  bfdProfile: string | null,
): FrrNeighbor {
  const peer = neighborPeer(n, index);
  const remoteAs = remoteAsOf(n.asn, n.type, `underlay.neighbors[${index}]`);
  const internal = isInternal(n, localAsn);
  const password = secrets.get(index) ?? null;
  // A configured but unresolved secret would silently drop TCP-MD5 on the session: refuse.
  if (password === null && (n.password !== undefined || n.passwordFile !== undefined)) {
    throw new Error(`underlay.neighbors[${index}]: password configured but not resolved by the caller`);
  }
  return {
    peer,
    unnumbered: n.interface !== undefined,
    remoteAs,
    password,
    bfd: n.bfd !== undefined,
    bfdProfile,
    // FRR refuses ebgp-multihop on iBGP peers (and iBGP TTL is 255 anyway): it would be a
    // line FRR never takes, i.e. a perpetual diff.
    ebgpMultihop:
      !internal && n.ebgpMultiHop !== undefined && n.ebgpMultiHop !== FRR_DEFAULTS.ebgpMultihop ? n.ebgpMultiHop : null,
    timers: timersOf(n),
    connectTimer: n.connectTimeSeconds ?? null,
    port: n.port !== undefined && n.port !== FRR_DEFAULTS.bgpPort ? n.port : null,
    // The VTEP is IPv4: over an IPv6 session it needs RFC 5549 next hops. Unnumbered sessions
    // turn this on by themselves (and FRR does not print it for them).
    extendedNexthop: n.address !== undefined && parseIp(n.address)?.family === 6,
  };
}

/** An iBGP session: `type: internal`, or the neighbor's ASN is ours. */
export const isInternal = (n: Pick<NeighborConfig, 'type' | 'asn'>, localAsn: number): boolean =>
  n.type === 'internal' || n.asn === localAsn;

/** Canonical address (FRR prints IPv6 compressed and lower case), or the interface name. */
function neighborPeer(n: NeighborConfig, index: number): string {
  if (n.address !== undefined) return canonicalIp(n.address);
  if (n.interface !== undefined) return n.interface;
  throw new Error(`underlay.neighbors[${index}]: neither address nor interface`);
}

function remoteAsOf(asn: number | undefined, type: PeerType | undefined, field: string): string {
  if (asn !== undefined) return String(asn);
  if (type !== undefined) return type;
  throw new Error(`${field}: neither an ASN nor a peer type`);
}

/**
 * FRR takes keepalive and hold together. With only one given, the other follows RFC 4271's
 * advice (and FRR's own defaults, 60/180): hold = 3 x keepalive.
 */
function timersOf(n: NeighborConfig): FrrNeighbor['timers'] {
  const { keepaliveTimeSeconds: k, holdTimeSeconds: h } = n;
  if (k === undefined && h === undefined) return null;
  const keepalive = k ?? Math.floor((h ?? 0) / 3);
  const hold = h ?? keepalive * 3;
  return { keepalive, hold };
}

/**
 * A BFD profile only when the neighbor sets an interval FRR would not use anyway; plain `bfd`
 * otherwise. Named after the peer so it is stable when neighbors are reordered.
 */
function bfdProfileFor(n: NeighborConfig): FrrBfdProfile | null {
  if (!n.bfd) return null;
  const keep = (v: number | undefined, dflt: number): number | null => (v !== undefined && v !== dflt ? v : null);
  const profile = {
    name: `nbr-${n.address !== undefined ? canonicalIp(n.address) : (n.interface ?? '')}`,
    receiveInterval: keep(n.bfd.receiveInterval, FRR_DEFAULTS.bfdReceiveInterval),
    transmitInterval: keep(n.bfd.transmitInterval, FRR_DEFAULTS.bfdTransmitInterval),
    detectMultiplier: keep(n.bfd.detectMultiplier, FRR_DEFAULTS.bfdDetectMultiplier),
  };
  const any =
    profile.receiveInterval !== null || profile.transmitInterval !== null || profile.detectMultiplier !== null;
  return any ? profile : null;
}

function vrfRouter(config: Config, derived: Derived, l3: DerivedL3): FrrVrfRouter {
  const session = l3.cfg.hostSession;
  const index = config.l3vnis.indexOf(l3.cfg);
  const field = `l3vnis[${index}].hostSession`;
  const neighbors: FrrNeighbor[] = [];
  const unicast: FrrAddressFamily[] = [];
  const sides = [
    { family: 'ipv4' as const, addrs: l3.v4, hostLen: 32 },
    { family: 'ipv6' as const, addrs: l3.v6, hostLen: 128 },
  ];
  // iBGP with the host: routes imported from EVPN keep the remote VTEP as next hop, which the
  // host cannot reach; `next-hop-self` makes it this router (the host's gateway). `force`,
  // because with an iBGP ToR the imported routes count as iBGP-learned, which plain
  // next-hop-self leaves alone (OpenPERouter renders `next-hop-self force` for the same reason).
  const ibgpHost = session !== undefined && (session.hostType === 'internal' || session.hostASN === session.asn);
  for (const { family, addrs, hostLen } of sides) {
    if (!session || !addrs) continue;
    const host = addrOf(addrs.host);
    neighbors.push(hostNeighbor(host, remoteAsOf(session.hostASN, session.hostType, field)));
    // The node's own host-side address, as a host route, so remote sites reach the node on
    // this L3VNI (type-5) even when the host announces nothing over its session.
    unicast.push({
      family,
      networks: [`${host}/${hostLen}`],
      activate: [{ peer: host, allowasInOrigin: false, filterListOut: null, nextHopSelfForce: ibgpHost }],
    });
  }
  return {
    vrf: l3.cfg.vrf,
    asn: session?.asn ?? config.underlay.asn,
    routerId: derived.routerId,
    disableImportCheck: unicast.length > 0,
    neighbors,
    unicast,
    evpn: {
      advertise: advertisedFamilies(derived, l3),
      routeTargets: { import: [...l3.cfg.importRTs], export: [...l3.cfg.exportRTs] },
    },
  };
}

/** The host end of the veth: a plain single-hop session, no options. */
function hostNeighbor(address: string, remoteAs: string): FrrNeighbor {
  return {
    peer: address,
    unnumbered: false,
    remoteAs,
    password: null,
    bfd: false,
    bfdProfile: null,
    ebgpMultihop: null,
    timers: null,
    connectTimer: null,
    port: null,
    extendedNexthop: false,
  };
}

// L2VNI gateways (SVI = br-pe-<vni> in the VRF) need nothing more in FRR: advertise-all-vni
// makes zebra report the L2VNI, and type-2 MAC/IP routes carry both the L2VNI and the VRF's L3VNI
// (symmetric IRB), so remote nodes install /32 host routes in the VRF. The gateway subnet itself
// is not originated as type-5 (no `redistribute connected`): the host-session /24 is the same on
// every node and would be announced by all of them.

/**
 * Families exported as EVPN type-5 routes from the VRF: IPv4 unless the VRF is IPv6-only, and
 * IPv6 when the host session or a gateway of an L2VNI routed in this VRF is IPv6.
 */
function advertisedFamilies(derived: Derived, l3: DerivedL3): FrrUnicastFamily[] {
  const gateways = derived.l2.filter((l2) => l2.vrf === l3.cfg.vrf).flatMap((l2) => l2.cfg.gatewayIPs);
  const familyOf = (cidr: string): number | undefined => parseIfaceCidr(cidr)?.ip.family;
  const v4 = Boolean(l3.v4) || gateways.some((g) => familyOf(g) === 4);
  const v6 = Boolean(l3.v6) || gateways.some((g) => familyOf(g) === 6);
  return [...(v4 || !v6 ? ['ipv4' as const] : []), ...(v6 ? ['ipv6' as const] : [])];
}

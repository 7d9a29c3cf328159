// The FRR data model: what frr.conf says, as plain data. build.ts makes every decision and fills
// it in; render.ts prints it through templates that only loop and print. Absent values are null
// (never undefined or missing) because the templates run in Handlebars' strict mode, which throws
// on a missing field: a typo in a template fails loudly instead of printing nothing.

import type { FrrLogLevel } from '../config/types.js';

/** `remote-as` argument: an ASN, or FRR's `external` / `internal`. */
export type FrrRemoteAs = string;

/** Printed as `address-family <f> unicast` / `advertise <f> unicast`. */
export type FrrUnicastFamily = 'ipv4' | 'ipv6';

export interface FrrNeighbor {
  /** Peer address, or the interface name of a BGP unnumbered session. */
  peer: string;
  /** true: `neighbor <ifname> interface remote-as ...` (BGP unnumbered, RFC 5549). */
  unnumbered: boolean;
  remoteAs: FrrRemoteAs;
  password: string | null;
  bfd: boolean;
  /** Name of a profile in FrrModel.bfdProfiles, when the neighbor has non-default intervals. */
  bfdProfile: string | null;
  ebgpMultihop: number | null;
  timers: { keepalive: number; hold: number } | null;
  connectTimer: number | null;
  port: number | null;
  /** IPv4 routes (the VTEP) over an IPv6 session need RFC 5549 next hops. */
  extendedNexthop: boolean;
}

/** One neighbor activated in an address family, with its per-family settings. */
export interface FrrAfNeighbor {
  /** FrrNeighbor.peer. */
  peer: string;
  /** `allowas-in origin`: accept routes another node of our (shared) ASN originated. */
  allowasInOrigin: boolean;
  /** `filter-list <name> out`: announce only what passes this as-path list. */
  filterListOut: string | null;
  /** `next-hop-self force`: an iBGP peer gets this router as next hop for every route. */
  nextHopSelfForce: boolean;
}

export interface FrrAddressFamily {
  family: FrrUnicastFamily;
  /** Prefixes originated with `network` (a /32 or /128 each). */
  networks: string[];
  /** Neighbors activated in this family. */
  activate: FrrAfNeighbor[];
}

export interface FrrRouteTargets {
  import: string[];
  export: string[];
}

/** `vni <n>` block under the default instance's `address-family l2vpn evpn` (L2VNI RTs). */
export interface FrrEvpnVni {
  vni: number;
  routeTargets: FrrRouteTargets;
}

/** `router bgp <asn>`: the underlay sessions with the ToRs, carrying the VTEP and EVPN. */
export interface FrrUnderlayRouter {
  asn: number;
  routerId: string;
  /** `bgp bestpath as-path multipath-relax`: ECMP over ToRs of different ASNs. */
  multipathRelax: boolean;
  neighbors: FrrNeighbor[];
  unicast: FrrAddressFamily[];
  evpn: { activate: FrrAfNeighbor[]; vnis: FrrEvpnVni[] };
}

/** `router bgp <asn> vrf <vrf>`: one per L3VNI, with the host session if there is one. */
export interface FrrVrfRouter {
  vrf: string;
  asn: number;
  routerId: string;
  /** true: `no bgp network import-check` (the VRF originates host-side /32s, see build.ts). */
  disableImportCheck: boolean;
  neighbors: FrrNeighbor[];
  unicast: FrrAddressFamily[];
  evpn: { advertise: FrrUnicastFamily[]; routeTargets: FrrRouteTargets };
}

/** `vrf <name>` / ` vni <vni>`: binds the L3VNI to the VRF in zebra. */
export interface FrrVrfVni {
  vrf: string;
  vni: number;
}

export interface FrrBfdProfile {
  name: string;
  receiveInterval: number | null;
  transmitInterval: number | null;
  detectMultiplier: number | null;
}

export interface FrrModel {
  /** null: FRR's default level (debugging), printed as a bare `log syslog`. */
  logLevel: FrrLogLevel | null;
  /** false: `no zebra nexthop kernel enable` (routes carry their next hops, no kernel nexthop objects). */
  kernelNexthopGroups: boolean;
  vrfs: FrrVrfVni[];
  bfdProfiles: FrrBfdProfile[];
  /** Name of the as-path list that matches only this router's own routes (`permit ^$`), when used. */
  ownRoutesList: string | null;
  underlay: FrrUnderlayRouter;
  vrfRouters: FrrVrfRouter[];
  /** frr.rawConfig, appended verbatim (not checked: the operator's own FRR syntax). */
  rawConfig: string | null;
}

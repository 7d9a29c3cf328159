// The kernel state evpn-node wants, per namespace. Produced by derive (pure), consumed by plan.

/** 'host' is the namespace evpn-node runs in (network=host); 'router' is FRR's netns. */
export type NsId = 'host' | 'router';

export type LinkKind = 'bridge' | 'vxlan' | 'veth' | 'vrf' | 'vlan';

export interface DesiredLink {
  ns: NsId;
  name: string;
  kind: LinkKind;
  /** Bridge or VRF this link is enslaved to (none: not enslaved). */
  master?: string;
  mtu?: number;
  /** Fixed MAC (bridges: stable router MAC / anycast gateway MAC). */
  mac?: string;
  vxlan?: { vni: number; local: string; port: number };
  vrf?: { table: number };
  /** Set on both ends of a pair; the pair is created from the host side. */
  veth?: { peer: string; peerNs: NsId };
  vlan?: { parent: string; id: number };
  /** Bridge-port flags for a VXLAN enslaved to a bridge (neigh_suppress on, learning off). */
  bridgePort?: { neighSuppress: boolean; learning: boolean };
  /**
   * false: no IPv6 link-local address (`addrgenmode none`), for links with no use for IPv6
   * (kernel/desired.ts says which). Omitted: the kernel default (a link-local address when the
   * link comes up).
   */
  ipv6LinkLocal?: false;
}

export interface DesiredAddr {
  ns: NsId;
  dev: string;
  /** Address with prefix length, e.g. 192.169.10.5/24 or fd00::5/64. */
  cidr: string;
  /** IPv4 label (only for addresses on links we do not own, e.g. the VTEP on lo). */
  label?: string;
}

export interface DesiredRoute {
  ns: NsId;
  /** 'default' or a prefix. */
  dst: string;
  family: 4 | 6;
  via: string;
  dev: string;
}

/** Policy rule in the router netns (the VRF local-table fix). */
export interface DesiredRule {
  family: 4 | 6;
  pref: number;
  table: 'local';
}

export interface DesiredSysctl {
  ns: NsId;
  key: string;
  value: string;
}

export interface UnderlayNic {
  /** The NIC that ends up in the router netns. */
  name: string;
  /** When set, evpn-node creates <name> as this VLAN in the host netns, then moves it. */
  vlan?: { parent: string; id: number };
}

export interface DesiredKernel {
  /** Every underlay NIC (one per ToR on a dual-homed node), in config order. */
  underlays: UnderlayNic[];
  /** The VTEP address (no prefix), a /32 on lo in the router netns. */
  vtep: string;
  links: DesiredLink[];
  addrs: DesiredAddr[];
  routes: DesiredRoute[];
  /** Router-netns rules that must exist (pref 32765 local) when any VRF is configured. */
  rules: DesiredRule[];
  sysctls: DesiredSysctl[];
}

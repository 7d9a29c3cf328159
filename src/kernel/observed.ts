// What the kernel has, per namespace, as parsed from `ip -N -j -d` (see parse.ts).
// Only the fields planning needs; numbers stay numbers (-N prints tables/protocols numerically,
// so a site's rt_protos/rt_tables names never change what we parse).

export interface ObservedAddr {
  family: 4 | 6;
  /** Address without prefix, as ip printed it. */
  local: string;
  prefixlen: number;
  /** 0 global, 253 link, 254 host. */
  scope: number;
  /** IPv4 label (lo:evpn on the VTEP). */
  label?: string;
  /** Not IFA_F_PERMANENT: made by the kernel (SLAAC, temporary), never ours to manage. */
  dynamic: boolean;
  noprefixroute: boolean;
}

export interface ObservedLink {
  name: string;
  ifindex: number;
  /** linkinfo.info_kind: bridge, vxlan, veth, vrf, vlan, ...; undefined for physical NICs and lo. */
  kind?: string;
  master?: string;
  mtu: number;
  /** Administratively up (IFF_UP in flags), not operstate. */
  up: boolean;
  mac?: string;
  /** IFLA_IFALIAS: OWNER_ALIAS marks links evpn-node created. */
  alias?: string;
  /** Device group (IFLA_GROUP, 0 = default); teardown deletes our links by group when it may. */
  group?: number;
  vxlan?: { id: number; local?: string; port: number; learning: boolean };
  vrf?: { table: number };
  vlan?: { id: number; parent?: string };
  /**
   * The other end of a veth (or the lower device of a vlan): its ifindex, in the netns this one
   * knows as `netnsid`, or in this same netns when netnsid is undefined.
   */
  peer?: { ifindex: number; netnsid?: number };
  /** Bridge-port flags, when enslaved to a bridge (linkinfo.info_slave_data). */
  bridgePort?: { neighSuppress: boolean; learning: boolean };
  addrs: ObservedAddr[];
}

export interface ObservedRoute {
  family: 4 | 6;
  /** 'default' or a prefix / host address as ip prints it. */
  dst: string;
  gateway?: string;
  dev?: string;
  table: number;
  protocol: number;
  /** RTN_*: 1 unicast, 2 local, 3 broadcast, ... */
  type: number;
  /** 0 when ip printed none (IPv4 default). */
  metric: number;
  scope: number;
  prefsrc?: string;
  onlink: boolean;
  /** Multipath routes carry no single dev/gateway; they are never copied or replaced. */
  multipath: boolean;
}

export interface ObservedRule {
  family: 4 | 6;
  pref: number;
  /** undefined for rules without a table action (l3mdev, goto, ...). */
  table?: number;
  /** No selector (src all, no dst/iif/oif/fwmark/l3mdev...): a plain "from all lookup T". */
  plain: boolean;
}

export interface ObservedNs {
  links: ObservedLink[];
  routes: ObservedRoute[];
  rules: ObservedRule[];
  /** IPv6 rules need a second `ip -6` process (batch lines take no global options): read only when asked. */
  rules6Observed: boolean;
  /** Sysctl values read, by dotted key. */
  sysctls: Record<string, string>;
}

export const TABLE_MAIN = 254;
export const TABLE_LOCAL = 255;
export const RTN_UNICAST = 1;
export const PROTO_KERNEL = 2;

export const emptyNs = (): ObservedNs => ({ links: [], routes: [], rules: [], rules6Observed: true, sysctls: {} });

export const findLink = (ns: ObservedNs, name: string): ObservedLink | undefined =>
  ns.links.find((l) => l.name === name);

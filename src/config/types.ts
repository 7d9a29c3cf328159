// The typed config, after YAML load, drop-in merge, validation and defaults.
// Field names follow OpenPERouter's API where the concept is the same (see SPEC.md).

export type PeerType = 'external' | 'internal';

export type FrrLogLevel =
  'emergencies' | 'alerts' | 'critical' | 'errors' | 'warnings' | 'notifications' | 'informational' | 'debugging';

export interface BfdConfig {
  receiveInterval?: number;
  transmitInterval?: number;
  detectMultiplier?: number;
}

/** One underlay BGP neighbor: exactly one of address/interface, exactly one of asn/type. */
export interface NeighborConfig {
  address?: string;
  interface?: string;
  asn?: number;
  type?: PeerType;
  password?: string;
  passwordFile?: string;
  bfd?: BfdConfig;
  ebgpMultiHop?: number;
  holdTimeSeconds?: number;
  keepaliveTimeSeconds?: number;
  connectTimeSeconds?: number;
  port?: number;
  /**
   * eBGP only: accept routes another node of our ASN originated (`allowas-in origin`), so nodes
   * sharing one ASN reach each other. Absent = on; false turns it off.
   */
  allowASIn?: boolean;
}

export interface VlanConfig {
  parent: string;
  id: number;
}

/** One NIC of the underlay, moved into the router netns. */
export interface UnderlayNicConfig {
  name: string;
  /** When set, evpn-node creates <name> as this VLAN in the host netns, then moves it. */
  vlan?: VlanConfig;
}

export interface UnderlayConfig {
  asn: number;
  /** The one-NIC shorthand as written (`nics` holds it too); absent when `nics` was given. */
  nic?: string;
  /** With `nic`: the VLAN it is created as. */
  vlan?: VlanConfig;
  /** Every underlay NIC: underlay.nics, or [{name: nic, vlan}] from the shorthand. Never empty once valid. */
  nics: UnderlayNicConfig[];
  vtepCIDR: string;
  routerIDCIDR: string;
  mtu?: number;
  neighbors: NeighborConfig[];
}

export interface CidrPair {
  ipv4?: string;
  ipv6?: string;
}

export interface HostSessionConfig {
  /** Router-side ASN inside the VRF (default: underlay.asn). */
  asn: number;
  hostASN?: number;
  hostType?: PeerType;
  localCIDR: CidrPair;
}

export interface L3VniConfig {
  vrf: string;
  vni: number;
  /** Kernel routing table of the VRF (default: tableForVni(vni)). */
  table: number;
  vxlanPort: number;
  importRTs: string[];
  exportRTs: string[];
  hostSession?: HostSessionConfig;
}

export interface HostMasterConfig {
  name: string;
  /** true: evpn-node creates (and owns) the bridge; false: it must exist and is never touched. */
  managed: boolean;
}

export interface L2VniConfig {
  vni: number;
  l3vni?: string;
  gatewayIPs: string[];
  hostMaster?: HostMasterConfig;
  hostAddress?: string;
  vxlanPort: number;
  importRTs: string[];
  exportRTs: string[];
}

export interface PrimaryConfig {
  l3vni?: string;
  l2vni?: number;
  defaultRoute: boolean;
}

export interface FrrConfig {
  logLevel: FrrLogLevel;
  rawConfig?: string;
}

export interface ReadinessConfig {
  underlayEstablished: boolean;
  timeoutSeconds: number;
}

/** Paths and names of the running system; every one has a default (see defaults.ts). */
export interface RuntimeConfig {
  /** Named netns (under /run/netns) the router pod joins. */
  netns: string;
  /** Pidfile of the FRR container (or of zebra in a test fabric). */
  pidFile: string;
  /** FRR config dir: frr.conf, daemons, vtysh.conf. */
  frrConfigDir: string;
  reloaderSocket: string;
  /** Persistent state: last-good.yaml. */
  stateDir: string;
  /** Volatile state: status.json, kubelet.env. */
  runDir: string;
}

/** Prometheus metrics outputs; neither set: no metrics are collected. */
export interface MetricsConfig {
  /** node_exporter's textfile collector directory: evpn-node.prom is written there. */
  textfileDir?: string;
  /** "ADDRESS:PORT" to serve GET /metrics on. */
  listen?: string;
}

/** node.indexFrom: where the node index comes from when the file is the same on every node. */
export interface IndexFromConfig {
  /** A host interface: the host part of its first global IPv4 address (or of its first address in `cidr`). */
  interface?: string;
  cidr?: string;
  /** A regular expression with one capture group of digits, matched against the hostname. */
  hostname?: string;
}

export interface NodeConfig {
  /** Given, or derived from indexFrom on the node (config/identity.ts) before anything uses it. */
  index?: number;
  indexFrom?: IndexFromConfig;
  vtepIP?: string;
  routerID?: string;
}

export interface Config {
  node: NodeConfig;
  underlay: UnderlayConfig;
  l3vnis: L3VniConfig[];
  l2vnis: L2VniConfig[];
  primary?: PrimaryConfig;
  frr: FrrConfig;
  readiness: ReadinessConfig;
  metrics?: MetricsConfig;
  runtime: RuntimeConfig;
}

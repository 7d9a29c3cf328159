// Per-node values computed from the config: VTEP, router-id, host-session addresses, names,
// tables, MACs. Pure functions; the config has been validated (validate.ts calls the same
// helpers to report values that do not fit, so nothing here should throw on a valid config).

import type { Config, L2VniConfig, L3VniConfig } from './types.js';
import { formatIp, nthUsable, parseIfaceCidr, parseIp, parsePrefix, type Ip } from './ipaddr.js';
import { bridgeName, hostLegName, routerLegName, vxlanName } from '../model/names.js';

export const DEFAULT_VXLAN_PORT = 4789;
export const DEFAULT_ROUTER_ID_CIDR = '10.0.0.0/24';
/** VXLAN over IPv4 adds 50 bytes (outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8). */
export const VXLAN_OVERHEAD = 50;

/**
 * Kernel table of an L3VNI's VRF when the config gives none: 1000 + VNI. Deterministic (the
 * same on every node and every boot), clear of the reserved tables 253..255, and readable:
 * table 1100 is VNI 100.
 */
export const tableForVni = (vni: number): number => 1000 + vni;

/** The node's address in a CIDR: first usable + offset + index. undefined when it does not fit. */
export function addressForIndex(cidr: string, index: number, offset = 0): string | undefined {
  const p = parsePrefix(cidr);
  const ip = p && nthUsable(p, offset + index);
  return ip && formatIp(ip);
}

export const vtepFor = (c: Pick<Config, 'node' | 'underlay'>): string | undefined =>
  c.node.vtepIP ?? (c.node.index === undefined ? undefined : addressForIndex(c.underlay.vtepCIDR, c.node.index));

export const routerIdFor = (c: Pick<Config, 'node' | 'underlay'>): string | undefined =>
  c.node.routerID ?? (c.node.index === undefined ? undefined : addressForIndex(c.underlay.routerIDCIDR, c.node.index));

/** Router side and host side of a host session in one family, as interface CIDRs. */
export interface SessionAddrs {
  /** Router leg address (first usable, the same on every node), e.g. 192.169.10.1/24. */
  router: string;
  /** Host leg address (first usable + 1 + index), e.g. 192.169.10.5/24. */
  host: string;
}

export function sessionAddrs(cidr: string, index: number): SessionAddrs | undefined {
  const p = parsePrefix(cidr);
  if (!p) return undefined;
  const router = nthUsable(p, 0);
  const host = nthUsable(p, 1 + index);
  if (!router || !host) return undefined;
  return { router: `${formatIp(router)}/${p.length}`, host: `${formatIp(host)}/${p.length}` };
}

/** Address part of an interface CIDR: 192.169.10.5/24 -> 192.169.10.5. */
export const addrOf = (cidr: string): string => cidr.split('/')[0] ?? cidr;

/**
 * Router MAC of an L3VNI bridge: unique per node (from the VTEP), stable across restarts so the
 * kernel never rewrites it (a changing bridge MAC makes zebra re-announce, OpenPERouter #232).
 * 06:xx is locally administered unicast.
 */
export function routerMac(vtep: string): string {
  const ip = parseIp(vtep) as Ip;
  return macFromBytes([0x06, ...u32Bytes(ip.value), 0x01]);
}

/** Anycast gateway MAC of an L2VNI bridge: the same on every node, from the VNI. */
export function gatewayMac(vni: number): string {
  return macFromBytes([0x02, 0x65, 0x76, (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff]);
}

const u32Bytes = (v: bigint): number[] => [24n, 16n, 8n, 0n].map((s) => Number((v >> s) & 0xffn));
const macFromBytes = (b: number[]): string => b.map((x) => x.toString(16).padStart(2, '0')).join(':');

export interface DerivedL3 {
  cfg: L3VniConfig;
  bridge: string;
  vxlan: string;
  routerLeg: string;
  hostLeg: string;
  routerMac: string;
  v4?: SessionAddrs;
  v6?: SessionAddrs;
}

export interface DerivedL2 {
  cfg: L2VniConfig;
  bridge: string;
  vxlan: string;
  routerLeg: string;
  hostLeg: string;
  gatewayMac: string;
  /** The VRF this L2VNI routes in (its l3vni), if any. */
  vrf?: string;
}

export interface DerivedPrimary {
  /** Host-netns device that carries the node IP. */
  dev: string;
  nodeIPv4?: string;
  nodeIPv6?: string;
  gatewayV4?: string;
  gatewayV6?: string;
}

export interface Derived {
  vtep: string;
  routerId: string;
  /**
   * More than one underlay neighbor (several ToRs): ECMP across them. Turns on BGP multipath
   * over different AS paths and per-flow (L4) hashing of the router netns' multipath routes.
   */
  ecmp: boolean;
  /** MTU of VXLANs and veth legs (underlay.mtu - 50), when underlay.mtu is set. */
  legMtu?: number;
  l3: DerivedL3[];
  l2: DerivedL2[];
  primary?: DerivedPrimary;
}

export function deriveNode(c: Config): Derived {
  const index = c.node.index;
  // node.indexFrom is resolved on the node (loadConfig) before anything derives from it.
  if (index === undefined) throw new Error('derive: the node index is not known (node.indexFrom not resolved)');
  const vtep = vtepFor(c);
  const routerId = routerIdFor(c);
  if (!vtep || !routerId) throw new Error('derive: node.index does not fit the VTEP/router-id CIDRs');
  const l3 = c.l3vnis.map((cfg): DerivedL3 => {
    const s = cfg.hostSession?.localCIDR;
    return {
      cfg,
      bridge: bridgeName(cfg.vni),
      vxlan: vxlanName(cfg.vni),
      routerLeg: routerLegName(cfg.vni),
      hostLeg: hostLegName(cfg.vni),
      routerMac: routerMac(vtep),
      ...(s?.ipv4 ? { v4: sessionAddrs(s.ipv4, index) } : {}),
      ...(s?.ipv6 ? { v6: sessionAddrs(s.ipv6, index) } : {}),
    };
  });
  const l2 = c.l2vnis.map((cfg): DerivedL2 => ({
    cfg,
    bridge: bridgeName(cfg.vni),
    vxlan: vxlanName(cfg.vni),
    routerLeg: routerLegName(cfg.vni),
    hostLeg: hostLegName(cfg.vni),
    gatewayMac: gatewayMac(cfg.vni),
    ...(cfg.l3vni ? { vrf: cfg.l3vni } : {}),
  }));
  return {
    vtep,
    routerId,
    ecmp: c.underlay.neighbors.length > 1,
    ...(c.underlay.mtu ? { legMtu: c.underlay.mtu - VXLAN_OVERHEAD } : {}),
    l3,
    l2,
    ...(c.primary ? { primary: derivePrimary(c, l3, l2) } : {}),
  };
}

function derivePrimary(c: Config, l3: DerivedL3[], l2: DerivedL2[]): DerivedPrimary | undefined {
  const p = c.primary;
  if (!p) return undefined;
  if (p.l3vni) {
    const d = l3.find((x) => x.cfg.vrf === p.l3vni);
    if (!d) return undefined;
    return {
      dev: d.hostLeg,
      ...(d.v4 ? { nodeIPv4: addrOf(d.v4.host), gatewayV4: addrOf(d.v4.router) } : {}),
      ...(d.v6 ? { nodeIPv6: addrOf(d.v6.host), gatewayV6: addrOf(d.v6.router) } : {}),
    };
  }
  const d = l2.find((x) => x.cfg.vni === p.l2vni);
  if (!d || !d.cfg.hostAddress) return undefined;
  const host = parseIfaceCidr(d.cfg.hostAddress);
  const family = host?.ip.family;
  const gw = d.cfg.gatewayIPs.map((g) => parseIfaceCidr(g)).find((g) => g?.ip.family === family);
  const nodeIP = addrOf(d.cfg.hostAddress);
  const gateway = gw ? formatIp(gw.ip) : undefined;
  const dev = d.cfg.hostMaster?.name ?? d.hostLeg;
  return family === 6
    ? { dev, nodeIPv6: nodeIP, ...(gateway ? { gatewayV6: gateway } : {}) }
    : { dev, nodeIPv4: nodeIP, ...(gateway ? { gatewayV4: gateway } : {}) };
}

/** Contents of /run/evpn-node/kubelet.env for the primary interface, or undefined. */
export function kubeletEnv(d: Derived): string | undefined {
  const p = d.primary;
  if (!p) return undefined;
  // NODE_IP is what kubelet's --node-ip takes: IPv4 when there is one, else IPv6. NODE_IPS is
  // both, comma-separated (k3s/RKE2 node-ip); KUBELET_NODE_IP(S) are the names OpenShift's
  // kubelet unit reads (`evpn-node units --kubelet` says which layout uses what).
  const nodeIP = p.nodeIPv4 ?? p.nodeIPv6;
  if (!nodeIP) return undefined;
  const all = [p.nodeIPv4, p.nodeIPv6].filter((a): a is string => a !== undefined).join(',');
  const lines = [
    `NODE_IP=${nodeIP}`,
    ...(p.nodeIPv6 ? [`NODE_IPV6=${p.nodeIPv6}`] : []),
    `NODE_IPS=${all}`,
    `KUBELET_NODE_IP=${nodeIP}`,
    `KUBELET_NODE_IPS=${all}`,
  ];
  return `${lines.join('\n')}\n`;
}

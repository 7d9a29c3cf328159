// Config -> the kernel objects evpn-node wants in the host and router namespaces (pure).
// The object list, names and flags are the SPEC's "Kernel objects" section.

import type { Config } from '../config/types.js';
import type { Derived } from '../config/derive.js';
import type {
  DesiredAddr,
  DesiredKernel,
  DesiredLink,
  DesiredRoute,
  DesiredRule,
  DesiredSysctl,
} from '../model/desired.js';
import { VTEP_LABEL } from '../model/names.js';
import { parseIfaceCidr } from '../config/ipaddr.js';

const isIPv6 = (cidr: string): boolean => parseIfaceCidr(cidr)?.ip.family === 6;

/** VXLAN bridge ports: ARP/ND suppression on, learning off (EVPN, not flooding, fills the FDB). */
const EVPN_PORT = { neighSuppress: true, learning: false } as const;

// Pure bridge ports (VXLANs, L2VNI router legs, host legs in a host bridge) carry no IP: the
// bridge above them is the L3 interface. With the kernel default each would still get an IPv6
// link-local address plus three per-link routes (fe80::/64, its local route, ff00::/8), which at
// 1000 VNIs is ~9000 routes every observe had to read. L3VNI legs and standalone host legs keep
// theirs (a BGP session or host address may run over IPv6), and so do the bridges that route:
// an L3VNI's bridge and an L2VNI bridge in a VRF or with gateway IPs (zebra uses those SVIs).
// The bridges that do not route go without, like the ports: a pure L2VNI's router bridge (no
// IP at all; ARP/ND suppression reads its neighbour table, which needs no address of its own,
// just as it needs no IPv4 one) and a managed host bridge whose host address is not IPv6.
// Each link-local costs the kernel DAD, MLD and a route in the one fe80::/64 node every link
// shares: ~0.5 ms per bridge at 1000 VNIs, a third of a from-scratch apply (README, Performance).
const NO_LINK_LOCAL = { ipv6LinkLocal: false } as const;

export function desiredKernel(c: Config, d: Derived): DesiredKernel {
  const links: DesiredLink[] = [];
  const addrs: DesiredAddr[] = [];
  const routes: DesiredRoute[] = [];
  const mtu = d.legMtu !== undefined ? { mtu: d.legMtu } : {};

  /** A leg enslaved to a bridge is a pure bridge port; one enslaved to a VRF (L3VNI) is not. */
  const vethPair = (
    hostLeg: string,
    routerLeg: string,
    routerMaster: { name: string; bridge: boolean } | undefined,
    hostMaster?: string,
  ): void => {
    links.push({
      ns: 'host',
      name: hostLeg,
      kind: 'veth',
      veth: { peer: routerLeg, peerNs: 'router' },
      ...mtu,
      ...(hostMaster ? { master: hostMaster, ...NO_LINK_LOCAL } : {}),
    });
    links.push({
      ns: 'router',
      name: routerLeg,
      kind: 'veth',
      veth: { peer: hostLeg, peerNs: 'host' },
      ...mtu,
      ...(routerMaster ? { master: routerMaster.name, ...(routerMaster.bridge ? NO_LINK_LOCAL : {}) } : {}),
    });
  };

  for (const l3 of d.l3) {
    const { vrf, vni, table, vxlanPort } = l3.cfg;
    links.push({ ns: 'router', name: vrf, kind: 'vrf', vrf: { table } });
    links.push({ ns: 'router', name: l3.bridge, kind: 'bridge', master: vrf, mac: l3.routerMac });
    links.push({
      ns: 'router',
      name: l3.vxlan,
      kind: 'vxlan',
      master: l3.bridge,
      vxlan: { vni, local: d.vtep, port: vxlanPort },
      bridgePort: EVPN_PORT,
      ...NO_LINK_LOCAL,
      ...mtu,
    });
    if (l3.cfg.hostSession) {
      vethPair(l3.hostLeg, l3.routerLeg, { name: vrf, bridge: false });
      for (const s of [l3.v4, l3.v6]) {
        if (!s) continue;
        addrs.push({ ns: 'router', dev: l3.routerLeg, cidr: s.router });
        addrs.push({ ns: 'host', dev: l3.hostLeg, cidr: s.host });
      }
    }
  }

  for (const l2 of d.l2) {
    const { vni, vxlanPort, hostMaster, hostAddress, gatewayIPs } = l2.cfg;
    const routing = l2.vrf !== undefined || gatewayIPs.length > 0;
    links.push({
      ns: 'router',
      name: l2.bridge,
      kind: 'bridge',
      mac: l2.gatewayMac,
      ...(l2.vrf ? { master: l2.vrf } : {}),
      ...(routing ? {} : NO_LINK_LOCAL),
    });
    links.push({
      ns: 'router',
      name: l2.vxlan,
      kind: 'vxlan',
      master: l2.bridge,
      vxlan: { vni, local: d.vtep, port: vxlanPort },
      bridgePort: EVPN_PORT,
      ...NO_LINK_LOCAL,
      ...mtu,
    });
    if (hostMaster?.managed)
      links.push({
        ns: 'host',
        name: hostMaster.name,
        kind: 'bridge',
        ...(hostAddress && isIPv6(hostAddress) ? {} : NO_LINK_LOCAL),
      });
    vethPair(l2.hostLeg, l2.routerLeg, { name: l2.bridge, bridge: true }, hostMaster?.name);
    for (const gw of gatewayIPs) addrs.push({ ns: 'router', dev: l2.bridge, cidr: gw });
    if (hostAddress) addrs.push({ ns: 'host', dev: hostMaster?.name ?? l2.hostLeg, cidr: hostAddress });
  }

  addrs.push({ ns: 'router', dev: 'lo', cidr: `${d.vtep}/32`, label: VTEP_LABEL });

  const p = d.primary;
  if (p && c.primary?.defaultRoute) {
    if (p.gatewayV4) routes.push({ ns: 'host', dst: 'default', family: 4, via: p.gatewayV4, dev: p.dev });
    if (p.gatewayV6) routes.push({ ns: 'host', dst: 'default', family: 6, via: p.gatewayV6, dev: p.dev });
  }

  // Linux VRF: the l3mdev rule (pref 1000) must be consulted before the local table, or
  // packets to a VRF-local address match the main-netns local table first. Move the local
  // rule from pref 0 to 32765, as das-schiff-network-operator does.
  const rules: DesiredRule[] = d.l3.length
    ? [4, 6].map((family) => ({ family: family as 4 | 6, pref: 32765, table: 'local' }))
    : [];

  const sysctls: DesiredSysctl[] = [
    { ns: 'router', key: 'net.ipv4.ip_forward', value: '1' },
    { ns: 'router', key: 'net.ipv6.conf.all.forwarding', value: '1' },
    // ECMP across ToRs: hash multipath routes on L4 too (policy 1). VXLAN puts a hash of the
    // inner flow into the outer UDP source port, so flows between two VTEPs spread over both
    // ToRs; with the default L3 hash (src, dst) all of them would take one (das-schiff sets the
    // same). Per netns: it only changes the router's forwarding, not the host's.
    ...(d.ecmp ? [{ ns: 'router' as const, key: 'net.ipv4.fib_multipath_hash_policy', value: '1' }] : []),
    // Every node's host leg sits in the same localCIDR (router side .1 everywhere, host side
    // .2 + index), so to a host another node's host address looks on-link: it ARPs for it on its
    // leg instead of sending to the gateway. Proxy ARP on the router leg answers for every
    // address the VRF routes elsewhere (the other nodes' /32s arrive as type-5 routes), so
    // node-to-node traffic over the L3VNI works (Calico answers on its veths the same way).
    // IPv6 has no such switch (proxy_ndp needs an entry per address): see the README.
    ...d.l3
      .filter((l3) => l3.v4)
      .map((l3) => ({ ns: 'router' as const, key: `net.ipv4.conf.${l3.routerLeg}.proxy_arp`, value: '1' })),
  ];

  return {
    underlays: c.underlay.nics.map((n) => ({ name: n.name, ...(n.vlan ? { vlan: { ...n.vlan } } : {}) })),
    vtep: d.vtep,
    links,
    addrs,
    routes,
    rules,
    sysctls,
  };
}

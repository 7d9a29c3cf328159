// Does the kernel hold what zebra says it installed for each L3VNI? For a remote VTEP behind an
// L3VNI, zebra installs its router MAC twice: an FDB entry on the L3VNI's VXLAN device (RMAC dst
// VTEP) and a neighbour on the L3VNI's SVI (VTEP lladdr RMAC, NOARP); the VRF's routes point at
// that neighbour (`via VTEP dev SVI onlink`). The lab saw FRR 10.7's zebra delete both when bgpd
// alone was killed and restarted by watchfrr, and never put them back, while its own tables (and
// frr.conf, and the kernel plan) stayed right: the VRF was dead behind a green status. Related:
// FRR #23170 (EVPN routes "installed" in zebra, absent from the kernel after a watchfrr restart,
// https://github.com/FRRouting/frr/issues/23170) and #4044. Pure: the caller fetches zebra's
// `show evpn rmac vni all json` / `show evpn next-hops vni all json` (through the reloader) and
// the kernel's `bridge -j fdb show dev VXLAN` / `ip -j neigh show dev SVI` (router netns).
//
// JSON shapes (zebra/zebra_vxlan.c, the same in frr-10.3.1 and frr-10.7.0; FRR 8.4 too):
//   rmacs:    { "100": { "numRmacs": 1, "8a:27:..": { "routerMac": "8a:27:..", "vtepIp": "100.64.0.1" } } }
//   nexthops: { "100": { "numNextHops": 1, "100.64.0.1": { "nexthopIp": "100.64.0.1", "routerMac": "8a:27:.." } } }
// (a VNI without entries is not listed at all).
// zebra's tables are not the only witness: if zebra itself dropped an RMAC (its client bgpd went
// away) and did not take it back, the VRF's routes in the kernel still say what is needed. Each
// gateway of a route on the SVI (`via VTEP dev SVI onlink`, the only routes there: zebra's EVPN
// ones) needs a usable neighbour on the SVI, and that neighbour's MAC an FDB entry to the VTEP.
// In the lab (FRR 10.7, notes/lab-diag.md), 20 s after bgpd alone was killed zebra's RMAC and
// next-hop tables were empty (bgpd's VRF routes deferred, "unsorted"), the route `10.200.0.0/24
// via 100.64.0.1 dev br-pe-100 onlink` still there, its neighbour `100.64.0.1 dev br-pe-100
// INCOMPLETE` (the kernel ARPing for the VTEP on the SVI, which nobody answers) and the RMAC's
// FDB entries on vni100 gone.

export interface L3VniDevices {
  vrf: string;
  vni: number;
  /** The L3VNI's VXLAN device (names.ts vxlanName). */
  vxlan: string;
  /** The L3VNI's SVI: its bridge (names.ts bridgeName). */
  svi: string;
}

/** What zebra holds for one L3VNI: remote router MACs (FDB) and next-hops (neighbours). */
export interface ZebraL3Forwarding {
  rmacs: Array<{ mac: string; vtep: string }>;
  nexthops: Array<{ ip: string; mac: string }>;
}

/** What the kernel holds on the L3VNI's devices, and the gateways the VRF's routes use on the SVI. */
export interface KernelL3Forwarding {
  fdb: Array<{ mac: string; dst: string | undefined }>;
  neighbours: Array<{ ip: string; mac: string | undefined; states: string[] }>;
  gateways: string[];
}

export interface L3VniForwardingGap extends L3VniDevices {
  /** What is missing, one entry each: `FDB <mac> dst <vtep> on <vxlan>`, `neighbour <ip> lladdr <mac> on <svi>`. */
  missing: string[];
  message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const mac = (v: unknown): string | undefined => str(v)?.toLowerCase();

/** One VNI's entries of the reloader's GET /rmac answer ({ rmacs, nexthops }); empty when absent. */
export function zebraL3Forwarding(rmacAnswer: unknown, vni: number): ZebraL3Forwarding {
  const out: ZebraL3Forwarding = { rmacs: [], nexthops: [] };
  if (!isObject(rmacAnswer)) return out;
  const rmacs = isObject(rmacAnswer.rmacs) ? rmacAnswer.rmacs[String(vni)] : undefined;
  const nexthops = isObject(rmacAnswer.nexthops) ? rmacAnswer.nexthops[String(vni)] : undefined;
  // Entries are keyed by MAC / IP beside the "numRmacs" / "numNextHops" counters: read the
  // objects that carry the fields, whatever their keys.
  for (const e of isObject(rmacs) ? Object.values(rmacs) : []) {
    if (!isObject(e)) continue;
    const m = mac(e.routerMac);
    const vtep = str(e.vtepIp);
    if (m && vtep) out.rmacs.push({ mac: m, vtep });
  }
  for (const e of isObject(nexthops) ? Object.values(nexthops) : []) {
    if (!isObject(e)) continue;
    const ip = str(e.nexthopIp);
    const m = mac(e.routerMac);
    if (ip && m) out.nexthops.push({ ip, mac: m });
  }
  return out;
}

/**
 * `bridge -j fdb show dev VXLAN`, `ip -j neigh show dev SVI` and the VRF table's routes
 * (`ip [-6] -j route show table T`, concatenated), as far as this check needs them.
 */
export function kernelL3Forwarding(
  fdbJson: unknown,
  neighJson: unknown,
  svi: string,
  routesJson: unknown = [],
): KernelL3Forwarding {
  const fdb: KernelL3Forwarding['fdb'] = [];
  for (const e of Array.isArray(fdbJson) ? fdbJson : []) {
    if (!isObject(e)) continue;
    const m = mac(e.mac);
    if (m) fdb.push({ mac: m, dst: str(e.dst) });
  }
  const neighbours: KernelL3Forwarding['neighbours'] = [];
  for (const e of Array.isArray(neighJson) ? neighJson : []) {
    if (!isObject(e)) continue;
    const ip = str(e.dst);
    const states = Array.isArray(e.state) ? e.state.filter((s): s is string => typeof s === 'string') : [];
    if (ip) neighbours.push({ ip, mac: mac(e.lladdr), states });
  }
  const gateways = new Set<string>();
  for (const r of Array.isArray(routesJson) ? routesJson : []) {
    if (!isObject(r)) continue;
    // One nexthop: on the route itself; several: under "nexthops". An IPv6 route via an IPv4
    // VTEP says `"via": {"family": "inet", "host": VTEP}` instead of "gateway".
    for (const nh of Array.isArray(r.nexthops) ? r.nexthops : [r]) {
      if (!isObject(nh) || nh.dev !== svi) continue;
      const gw = str(nh.gateway) ?? (isObject(nh.via) ? str(nh.via.host) : undefined);
      if (gw) gateways.add(gw);
    }
  }
  return { fdb, neighbours, gateways: [...gateways] };
}

// A neighbour in these states has no usable lladdr: the kernel would resolve it by ARP, which
// an SVI of an L3VNI never answers (the RMAC exists only in zebra's tables).
const UNUSABLE_NEIGH = new Set(['FAILED', 'INCOMPLETE']);

/**
 * What zebra holds for an L3VNI and the kernel lacks: an RMAC without its FDB entry (same MAC,
 * same VTEP) on the VXLAN device, a next-hop without its neighbour (same IP, same lladdr) on
 * the SVI. undefined when nothing is missing. More in the kernel than in zebra is not a finding:
 * zebra removes what it withdraws, and a stale entry does not stop traffic.
 */
export function l3VniForwardingGap(
  devices: L3VniDevices,
  zebra: ZebraL3Forwarding,
  kernel: KernelL3Forwarding,
): L3VniForwardingGap | undefined {
  const missing: string[] = [];
  // An IPv6 route via an IPv4 VTEP has the IPv4-mapped address as gateway and neighbour
  // (::ffff:100.64.0.1); the FDB entry's dst is the VTEP itself.
  const vtepOf = (ip: string): string => ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
  const hasFdb = (m: string, dst: string): boolean => kernel.fdb.some((f) => f.mac === m && f.dst === vtepOf(dst));
  const usable = (ip: string) =>
    kernel.neighbours.find((k) => k.ip === ip && k.mac !== undefined && !k.states.some((s) => UNUSABLE_NEIGH.has(s)));
  for (const r of zebra.rmacs)
    if (!hasFdb(r.mac, r.vtep)) missing.push(`FDB ${r.mac} dst ${r.vtep} on ${devices.vxlan}`);
  for (const n of zebra.nexthops)
    if (usable(n.ip)?.mac !== n.mac) missing.push(`neighbour ${n.ip} lladdr ${n.mac} on ${devices.svi}`);
  const zebraSays = new Set(zebra.nexthops.map((n) => n.ip));
  for (const gw of kernel.gateways) {
    if (zebraSays.has(gw)) continue;
    const n = usable(gw);
    if (!n?.mac) {
      const seen = kernel.neighbours.find((k) => k.ip === gw);
      const state = seen ? seen.states.join(',') || 'no lladdr' : 'absent';
      missing.push(
        `router MAC of ${gw}, a gateway of VRF ${devices.vrf}'s routes (neighbour on ${devices.svi}: ${state})`,
      );
    } else if (!hasFdb(n.mac, gw) && !zebra.rmacs.some((r) => r.mac === n.mac))
      missing.push(`FDB ${n.mac} dst ${gw} on ${devices.vxlan}`);
  }
  if (missing.length === 0) return undefined;
  const { vrf, vni } = devices;
  return {
    ...devices,
    missing,
    message:
      `FRR's router MAC(s) for L3VNI ${vni} (VRF ${vrf}) are missing from the kernel: ${missing.join('; ')}: ` +
      `zebra did not (re)install them (seen after bgpd alone restarted: FRR #23170; FRR 10.7 defers a VRF's ` +
      `path selection up to 120 s after a restart), and VRF ${vrf} ` +
      `cannot reach those VTEPs until it does (evpn-node unbinds and binds the L3VNI again; if that does not help: ` +
      `systemctl restart evpn-node-frr.service)`,
  };
}

/**
 * Whether bgpd's EVPN sessions have been up long enough for zebra's tables to mean something:
 * every Established session (GET /bgp's `evpn`: `show bgp l2vpn evpn summary json`) up for at
 * least minUptimeMs, and at least one. Right after bgpd (re)starts, routes and router MACs are
 * still arriving: a gap then is the restart itself, which FRR 10.3 closes by itself.
 */
export function evpnSessionsSettled(bgpAnswer: unknown, minUptimeMs: number): boolean {
  const peers = isObject(bgpAnswer) && isObject(bgpAnswer.evpn) ? bgpAnswer.evpn.peers : undefined;
  if (!isObject(peers)) return false;
  const up = Object.values(peers).filter((p) => isObject(p) && p.state === 'Established');
  return (
    up.length > 0 &&
    up.every((p) => isObject(p) && typeof p.peerUptimeMsec === 'number' && p.peerUptimeMsec >= minUptimeMs)
  );
}

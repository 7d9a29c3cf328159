// l3VniForwardingGap: zebra's router MACs for an L3VNI against the kernel's FDB and neighbours.
// The first block is the lab's real output (notes/lab-diag.md, FRR 10.7.1 node, lead's diag1):
// zebra's `show evpn rmac|next-hops vni all json`, the router netns' `bridge -j fdb show` and
// `ip -j neigh show` (whole netns, here the entries of vni100 / br-pe-100: what the check's
// per-device dumps list) before and 20 s after bgpd alone was killed. The routes were captured as
// text (`10.200.0.0/24 nhid 32 via 100.64.0.1 dev br-pe-100 proto bgp metric 20 onlink`) and are
// written here the way `ip -j route` prints them. The other cases vary those shapes; the kernel's
// for a multipath or IPv6 route as iproute2 6.1 prints them.
import { describe, expect, test } from 'vitest';
import {
  evpnSessionsSettled,
  kernelL3Forwarding,
  l3VniForwardingGap,
  zebraL3Forwarding,
} from '../../../src/frr/rmac-check.js';

// --- the lab's captures -------------------------------------------------------------------
const LAB_RMAC = '0e:ef:2f:58:29:29';
const LAB_ZEBRA_HEALTHY = {
  rmacs: { '100': { numRmacs: 1, [LAB_RMAC]: { routerMac: LAB_RMAC, vtepIp: '100.64.0.1' } } },
  nexthops: { '100': { numNextHops: 1, '100.64.0.1': { nexthopIp: '100.64.0.1', routerMac: LAB_RMAC } } },
};
const LAB_ZEBRA_DEAD = { rmacs: {}, nexthops: {} };
const LAB_FDB_BRIDGE_OWN = [
  { mac: '1a:79:f4:ba:19:47', ifname: 'vni100', vlan: 1, flags: [], master: 'br-pe-100', state: 'permanent' },
  { mac: '1a:79:f4:ba:19:47', ifname: 'vni100', flags: [], master: 'br-pe-100', state: 'permanent' },
];
const LAB_FDB_HEALTHY = [
  { mac: LAB_RMAC, ifname: 'vni100', vlan: 1, flags: ['extern_learn'], master: 'br-pe-100', state: '' },
  { mac: LAB_RMAC, ifname: 'vni100', flags: ['extern_learn'], master: 'br-pe-100', state: '' },
  ...LAB_FDB_BRIDGE_OWN,
  { mac: LAB_RMAC, ifname: 'vni100', dst: '100.64.0.1', flags: ['self', 'extern_learn'], state: '' },
];
const LAB_FDB_DEAD = LAB_FDB_BRIDGE_OWN;
const LAB_NEIGH_HEALTHY = [
  { dst: '100.64.0.1', dev: 'br-pe-100', lladdr: LAB_RMAC, extern_learn: null, state: ['NOARP'], protocol: 'zebra' },
];
const LAB_NEIGH_DEAD = [{ dst: '100.64.0.1', dev: 'br-pe-100', state: ['INCOMPLETE'] }];
const LAB_ROUTES = [
  {
    dst: '10.200.0.0/24',
    nhid: 32,
    gateway: '100.64.0.1',
    dev: 'br-pe-100',
    protocol: 'bgp',
    metric: 20,
    flags: ['onlink'],
  },
  { dst: '192.169.10.0/24', dev: 'pe-100', protocol: 'kernel', scope: 'link', prefsrc: '192.169.10.1', flags: [] },
  { dst: '192.170.10.0/24', dev: 'br-pe-110', protocol: 'kernel', scope: 'link', prefsrc: '192.170.10.1', flags: [] },
];

// --- shapes for the other cases ------------------------------------------------------------
const RMAC = '8a:27:4c:1e:00:01';
const ZEBRA = {
  rmacs: { '100': { numRmacs: 1, [RMAC]: { routerMac: RMAC, vtepIp: '100.64.0.1' } } },
  nexthops: { '100': { numNextHops: 1, '100.64.0.1': { nexthopIp: '100.64.0.1', routerMac: RMAC } } },
};
const FDB_OK = [
  { mac: '5a:14:07:8d:fe:07', flags: [], master: 'br-pe-100', state: 'permanent' },
  { mac: RMAC, dst: '100.64.0.1', flags: ['self', 'extern_learn'], state: 'permanent' },
];
const NEIGH_OK = [{ dst: '100.64.0.1', lladdr: RMAC, extern_learn: null, state: ['NOARP'] }];
const DEVICES = { vrf: 'red', vni: 100, vxlan: 'vni100', svi: 'br-pe-100' };

// The VRF's route to the remote host as zebra installs it (FRR 10 with nexthop objects: nhid).
const ROUTES = [
  {
    dst: '10.200.0.0/24',
    nhid: 20,
    gateway: '100.64.0.1',
    dev: 'br-pe-100',
    protocol: 'bgp',
    metric: 20,
    flags: ['onlink'],
  },
  {
    type: 'local',
    dst: '192.169.10.1',
    dev: 'pe-100',
    protocol: 'kernel',
    scope: 'host',
    prefsrc: '192.169.10.1',
    flags: [],
  },
  { dst: '192.169.10.0/24', gateway: '192.169.10.2', dev: 'pe-100', protocol: 'bgp', metric: 20, flags: [] },
];
const NONE = { rmacs: {}, nexthops: {} };

const gap = (zebra: unknown, fdb: unknown, neigh: unknown, routes: unknown = []) =>
  l3VniForwardingGap(DEVICES, zebraL3Forwarding(zebra, 100), kernelL3Forwarding(fdb, neigh, 'br-pe-100', routes));

describe("the lab's bgpd-only kill (FRR 10.7)", () => {
  test('healthy: zebra holds the leaf RMAC and the kernel has it, no gap', () => {
    expect(zebraL3Forwarding(LAB_ZEBRA_HEALTHY, 100)).toEqual({
      rmacs: [{ mac: LAB_RMAC, vtep: '100.64.0.1' }],
      nexthops: [{ ip: '100.64.0.1', mac: LAB_RMAC }],
    });
    expect(gap(LAB_ZEBRA_HEALTHY, LAB_FDB_HEALTHY, LAB_NEIGH_HEALTHY, LAB_ROUTES)).toBeUndefined();
  });

  test("20 s after the kill: zebra holds nothing, the VRF's route names the next hop that lacks its router MAC", () => {
    const found = gap(LAB_ZEBRA_DEAD, LAB_FDB_DEAD, LAB_NEIGH_DEAD, LAB_ROUTES);
    expect(found?.missing).toEqual([
      "router MAC of 100.64.0.1, a gateway of VRF red's routes (neighbour on br-pe-100: INCOMPLETE)",
    ]);
    expect(found?.message).toMatch(/^FRR's router MAC\(s\) for L3VNI 100 \(VRF red\) are missing from the kernel: /);
  });

  test('had zebra kept its tables, the FDB entry and the neighbour it lists would be named', () => {
    expect(gap(LAB_ZEBRA_HEALTHY, LAB_FDB_DEAD, LAB_NEIGH_DEAD, LAB_ROUTES)?.missing).toEqual([
      `FDB ${LAB_RMAC} dst 100.64.0.1 on vni100`,
      `neighbour 100.64.0.1 lladdr ${LAB_RMAC} on br-pe-100`,
    ]);
  });
});

describe('zebraL3Forwarding', () => {
  test("reads one VNI's router MACs and next-hops, not the counters beside them", () => {
    expect(zebraL3Forwarding(ZEBRA, 100)).toEqual({
      rmacs: [{ mac: RMAC, vtep: '100.64.0.1' }],
      nexthops: [{ ip: '100.64.0.1', mac: RMAC }],
    });
  });

  test('a VNI zebra does not list (no entries), or an answer that is not one, holds nothing', () => {
    expect(zebraL3Forwarding(ZEBRA, 200)).toEqual({ rmacs: [], nexthops: [] });
    expect(zebraL3Forwarding({ rmacs: {}, nexthops: {} }, 100)).toEqual({ rmacs: [], nexthops: [] });
    expect(zebraL3Forwarding(null, 100)).toEqual({ rmacs: [], nexthops: [] });
  });
});

describe('l3VniForwardingGap', () => {
  test('the kernel holding both entries is no gap', () => {
    expect(gap(ZEBRA, FDB_OK, NEIGH_OK)).toBeUndefined();
  });

  test('MACs compare whatever their case', () => {
    const upper = [{ ...NEIGH_OK[0], lladdr: RMAC.toUpperCase() }];
    expect(gap(ZEBRA, FDB_OK, upper)).toBeUndefined();
  });

  test('after the bgpd-only kill: both entries gone, named with their devices', () => {
    const found = gap(ZEBRA, FDB_OK.slice(0, 1), []);
    expect(found?.missing).toEqual([
      `FDB ${RMAC} dst 100.64.0.1 on vni100`,
      `neighbour 100.64.0.1 lladdr ${RMAC} on br-pe-100`,
    ]);
    expect(found?.message).toMatch(/^FRR's router MAC\(s\) for L3VNI 100 \(VRF red\) are missing from the kernel: /);
    expect(found?.message).toContain('systemctl restart evpn-node-frr.service');
  });

  test('an entry pointing elsewhere, or a neighbour that lost its lladdr, is missing too', () => {
    const elsewhere = [{ ...FDB_OK[1], dst: '100.64.0.9' }];
    expect(gap(ZEBRA, elsewhere, NEIGH_OK)?.missing).toEqual([`FDB ${RMAC} dst 100.64.0.1 on vni100`]);
    const failed = [{ dst: '100.64.0.1', state: ['FAILED'] }];
    expect(gap(ZEBRA, FDB_OK, failed)?.missing).toEqual([`neighbour 100.64.0.1 lladdr ${RMAC} on br-pe-100`]);
    const stale = [{ ...NEIGH_OK[0], lladdr: '02:00:00:00:00:01' }];
    expect(gap(ZEBRA, FDB_OK, stale)?.missing).toHaveLength(1);
  });

  test('more in the kernel than in zebra is not a gap (zebra removes what it withdraws)', () => {
    expect(gap({ rmacs: {}, nexthops: {} }, FDB_OK, NEIGH_OK)).toBeUndefined();
  });

  test("zebra holding nothing: the VRF's routes on the SVI still need their gateway's neighbour and FDB entry", () => {
    expect(gap(NONE, FDB_OK, NEIGH_OK, ROUTES)).toBeUndefined();
    // What the bgpd kill left on FRR 10.7: the route, the kernel ARPing for the VTEP on the SVI.
    const failed = [{ dst: '100.64.0.1', state: ['FAILED'] }];
    expect(gap(NONE, FDB_OK.slice(0, 1), failed, ROUTES)?.missing).toEqual([
      "router MAC of 100.64.0.1, a gateway of VRF red's routes (neighbour on br-pe-100: FAILED)",
    ]);
    expect(gap(NONE, FDB_OK.slice(0, 1), [], ROUTES)?.missing).toEqual([
      "router MAC of 100.64.0.1, a gateway of VRF red's routes (neighbour on br-pe-100: absent)",
    ]);
    expect(gap(NONE, FDB_OK.slice(0, 1), NEIGH_OK, ROUTES)?.missing).toEqual([`FDB ${RMAC} dst 100.64.0.1 on vni100`]);
    // Routes via the host leg (pe-100) are not the SVI's business.
    expect(gap(NONE, [], [], ROUTES.slice(1))).toBeUndefined();
  });

  test('gateways of multipath routes and of IPv6 routes via an IPv4 VTEP count too, once each', () => {
    const routes = [
      {
        dst: '10.9.0.0/24',
        nexthops: [
          { gateway: '100.64.0.1', dev: 'br-pe-100', flags: ['onlink'] },
          { gateway: '100.64.0.2', dev: 'br-pe-100', flags: ['onlink'] },
        ],
      },
      { dst: '2001:db8::/64', via: { family: 'inet', host: '100.64.0.2' }, dev: 'br-pe-100', flags: ['onlink'] },
    ];
    expect(kernelL3Forwarding([], [], 'br-pe-100', routes).gateways).toEqual(['100.64.0.1', '100.64.0.2']);
    expect(gap(ZEBRA, FDB_OK, NEIGH_OK, routes)?.missing).toEqual([
      "router MAC of 100.64.0.2, a gateway of VRF red's routes (neighbour on br-pe-100: absent)",
    ]);
  });

  test('an IPv6 route via the IPv4-mapped VTEP needs the mapped neighbour and the FDB entry to the VTEP', () => {
    const routes = [{ dst: '2001:db8::/64', gateway: '::ffff:100.64.0.1', dev: 'br-pe-100', flags: ['onlink'] }];
    const mapped = [{ dst: '::ffff:100.64.0.1', lladdr: RMAC, extern_learn: null, state: ['NOARP'] }];
    expect(gap(NONE, FDB_OK, mapped, routes)).toBeUndefined();
    expect(gap(NONE, FDB_OK, NEIGH_OK, routes)?.missing).toEqual([
      "router MAC of ::ffff:100.64.0.1, a gateway of VRF red's routes (neighbour on br-pe-100: absent)",
    ]);
  });

  test('an empty kernel dump (iproute2 printing nothing) holds nothing', () => {
    expect(kernelL3Forwarding([], [], 'br-pe-100')).toEqual({ fdb: [], neighbours: [], gateways: [] });
    expect(gap(ZEBRA, 'garbage', undefined)?.missing).toHaveLength(2);
  });
});

describe('evpnSessionsSettled', () => {
  // GET /bgp's evpn part: `show bgp l2vpn evpn summary json` (bgpd.c peer_uptime: peerUptimeMsec).
  const bgp = (...peers: Array<{ state: string; peerUptimeMsec: number }>) => ({
    ipv4: {},
    evpn: { peers: Object.fromEntries(peers.map((p, i) => [`192.168.11.${i + 2}`, p])) },
  });

  test('every Established EVPN session up long enough: settled', () => {
    expect(evpnSessionsSettled(bgp({ state: 'Established', peerUptimeMsec: 45_000 }), 30_000)).toBe(true);
    // A peer that is down for good does not hold the check back.
    const oneDown = bgp({ state: 'Established', peerUptimeMsec: 45_000 }, { state: 'Active', peerUptimeMsec: 0 });
    expect(evpnSessionsSettled(oneDown, 30_000)).toBe(true);
  });

  test('right after bgpd restarted, or with no session up: not settled', () => {
    expect(evpnSessionsSettled(bgp({ state: 'Established', peerUptimeMsec: 14_000 }), 30_000)).toBe(false);
    expect(evpnSessionsSettled(bgp({ state: 'Connect', peerUptimeMsec: 0 }), 30_000)).toBe(false);
    expect(evpnSessionsSettled({ evpn: {} }, 30_000)).toBe(false);
    expect(evpnSessionsSettled(undefined, 30_000)).toBe(false);
  });
});

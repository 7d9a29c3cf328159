import { describe, expect, test } from 'vitest';
import { parseObservedBatch, parseRoute, splitJsonValues } from '../../../src/kernel/parse.js';
import { fixture, fixtureText } from './fixtures.js';

describe('splitJsonValues', () => {
  test('splits back-to-back arrays as ip -j -batch prints them, brackets inside strings included', () => {
    expect(splitJsonValues('[{"a":"]["}][]\n[1,[2]]')).toEqual([[{ a: '][' }], [], [1, [2]]]);
  });
  test('refuses truncated output', () => {
    expect(() => splitJsonValues('[{"a":1}')).toThrow(/truncated/);
  });
  test('a batch that printed the wrong number of arrays is an error', () => {
    expect(() => parseObservedBatch('[][]')).toThrow(/expected 7 JSON arrays/);
  });
});

describe('parse recorded ip -N -j -d output', () => {
  const router = fixture('router-l2');
  const host = fixture('host-l2');
  const link = (ns: typeof router, name: string) => ns.links.find((l) => l.name === name);

  test('VXLAN: kind, vxlan attributes, master, bridge-port flags, alias, admin state', () => {
    expect(link(router, 'vni110')).toMatchObject({
      kind: 'vxlan',
      master: 'br-pe-110',
      alias: 'evpn-node',
      mtu: 8950,
      up: true,
      vxlan: { id: 110, local: '100.65.0.4', port: 4789, learning: false },
      bridgePort: { neighSuppress: true, learning: false },
    });
  });

  test('bridge: fixed MAC, no bridge-port flags; physical NIC: no kind, no alias', () => {
    expect(link(router, 'br-pe-110')).toMatchObject({ kind: 'bridge', mac: '02:65:76:00:00:6e', alias: 'evpn-node' });
    expect(link(router, 'br-pe-110')?.bridgePort).toBeUndefined();
    const nic = link(router, 'kp-eth1');
    expect(nic?.kind).toBe('veth'); // the test's "NIC" is a veth cable
    expect(nic?.alias).toBeUndefined();
    expect(link(router, 'lo')?.kind).toBeUndefined();
  });

  test('veth ends name each other across namespaces (ifindex + netnsid)', () => {
    const pe = link(router, 'pe-110');
    const hl = link(host, 'host-110');
    expect(pe?.peer).toEqual({ ifindex: hl?.ifindex, netnsid: expect.any(Number) });
    expect(hl?.peer).toEqual({ ifindex: pe?.ifindex, netnsid: expect.any(Number) });
  });

  test('addresses: family, prefix, label, scope; IPv6 link-local seen as such; bridge ports and non-routing bridges have none', () => {
    const lo = link(router, 'lo');
    expect(lo?.addrs).toContainEqual({
      family: 4,
      local: '100.65.0.4',
      prefixlen: 32,
      scope: 0,
      label: 'lo:evpn',
      dynamic: false,
      noprefixroute: false,
    });
    expect(link(host, 'br-hs-110')?.addrs.map((a) => `${a.local}/${a.prefixlen}`)).toContain('192.170.10.20/24');
    expect(link(router, 'kp-eth1')?.addrs.find((a) => a.family === 6)).toMatchObject({ scope: 253 });
    for (const [ns, name] of [
      [router, 'pe-110'],
      [router, 'vni110'],
      [host, 'host-110'],
      [router, 'br-pe-110'],
    ] as const)
      expect(link(ns, name)?.addrs).toEqual([]);
    expect(link(host, 'br-hs-110')?.addrs.filter((a) => a.family === 6)).toEqual([]);
  });

  test('routes: numeric table/type (-N), protocol put back from the proto-filtered dump, metric; kernel routes never dumped', () => {
    const r = router.routes.find((x) => x.dst === '10.99.0.0/16');
    expect(r).toMatchObject({
      family: 4,
      gateway: '192.168.50.1',
      dev: 'kp-eth1',
      table: 254,
      protocol: 3,
      type: 1,
      metric: 50,
    });
    expect(router.routes).toEqual([r]);
    expect(host.routes).toEqual([]);
  });

  test('both families come back from one proto-filtered line; a route in two dumps is kept once', () => {
    const batch = [
      '[]',
      '[{"type":"1","dst":"default","gateway":"192.168.1.1","dev":"e","table":"254","scope":"0","flags":[]},{"type":"1","dst":"default","gateway":"fd00::1","dev":"e","table":"254","scope":"0","metric":1024,"flags":[],"pref":"medium"}]',
      '[]',
      '[{"type":"1","dst":"10.1.0.0/16","gateway":"192.168.1.1","dev":"e","table":"254","scope":"0","flags":[]}]',
      '[]',
      '[{"type":"1","dst":"default","gateway":"192.168.1.1","dev":"e","table":"254","protocol":"240","scope":"0","flags":[]},{"type":"1","dst":"default","gateway":"fd00::1","dev":"e","table":"254","protocol":"240","scope":"0","metric":1024,"flags":[],"pref":"medium"},{"type":"1","dst":"default","gateway":"fd00::9","dev":"e","table":"254","protocol":"9","scope":"0","metric":2000,"flags":[],"pref":"medium"}]',
      '[]',
    ].join('\n');
    const routes = parseObservedBatch(batch).routes.map((r) => [r.family, r.dst, r.gateway, r.protocol]);
    expect(routes).toEqual([
      [4, 'default', '192.168.1.1', 240],
      [6, 'default', 'fd00::1', 240],
      [4, '10.1.0.0/16', '192.168.1.1', 4],
      [6, 'default', 'fd00::9', 9],
    ]);
  });

  test('misc: proto-240 defaults of both families, VRF local-rule fix in both families, learning VXLAN', () => {
    const m = fixture('router-misc');
    const ours = m.routes.filter((r) => r.protocol === 240);
    expect(ours.map((r) => [r.family, r.dst, r.gateway])).toEqual([
      [4, 'default', '192.168.60.1'],
      [6, 'default', 'fd60::1'],
    ]);
    // FRR's (186) and the kernel's routes are not dumped at all.
    expect(m.routes.find((r) => r.dst === '10.97.0.0/16')).toBeUndefined();
    expect(m.routes.find((r) => r.dst === '10.98.0.0/16')?.protocol).toBe(4);
    expect(m.rules.filter((r) => r.table === 255).map((r) => [r.family, r.pref])).toEqual([
      [4, 32765],
      [6, 0],
      [6, 32765],
    ]);
    expect(m.rules.find((r) => r.pref === 1000)).toEqual({ family: 6, pref: 1000, plain: false });
    expect(m.rules6Observed).toBe(true);
    expect(m.links.find((l) => l.name === 'vni7')?.vxlan).toEqual({
      id: 7,
      local: '100.65.0.9',
      port: 4790,
      learning: true,
    });
  });

  test('a default route without gateway is IPv6 when ip printed pref (RTA_PREF is IPv6-only)', () => {
    expect(
      parseRoute({ dst: 'default', dev: 'x', table: '254', protocol: '240', type: '1', pref: 'medium' }).family,
    ).toBe(6);
    expect(parseRoute({ dst: 'default', dev: 'x', table: '254', protocol: '240', type: '1' }).family).toBe(4);
  });

  test('the recorded text really is seven concatenated arrays (addr, 5 route dumps, rule)', () => {
    expect(splitJsonValues(fixtureText('host-before'))).toHaveLength(7);
  });
});

// Cross-field rules (validate-*.ts): overlaps, duplicates, references, fit of the node index,
// primary, neighbors; every error with the position of the offending value.

import { describe, expect, test } from 'vitest';
import { dropInErrors, single, warningLines, withDropIn } from './helpers.js';

const vrf = (name: string, vni: number, cidr?: string, extra = ''): string =>
  `  - vrf: ${name}\n    vni: ${vni}\n${cidr ? `    hostSession: {hostASN: 65000, localCIDR: {ipv4: ${cidr}}}\n` : ''}${extra}`;

describe('overlapping CIDRs', () => {
  test('host-session CIDRs overlap across VRFs', () => {
    expect(dropInErrors(`l3vnis:\n${vrf('red', 1, '10.9.0.0/24')}${vrf('blue', 2, '10.9.0.128/25')}`)).toEqual([
      'd.yaml:7:53: l3vnis[1].hostSession.localCIDR.ipv4: 10.9.0.128/25 overlaps l3vnis[0].hostSession.localCIDR.ipv4 (10.9.0.0/24): host-session CIDRs of all VRFs share the host routing table',
    ]);
  });

  test('IPv6 host-session CIDRs too', () => {
    const text =
      'l3vnis:\n  - {vrf: red, vni: 1, hostSession: {hostType: external, localCIDR: {ipv6: "fd00:1::/64"}}}\n  - {vrf: blue, vni: 2, hostSession: {hostType: external, localCIDR: {ipv6: "fd00::/16"}}}\n';
    expect(dropInErrors(text).join('\n')).toContain(
      'd.yaml:3:77: l3vnis[1].hostSession.localCIDR.ipv6: fd00::/16 overlaps l3vnis[0].hostSession.localCIDR.ipv6 (fd00:1::/64)',
    );
  });

  test('within one VRF, the host session and the gateway subnets of its L2VNIs', () => {
    const text = `l3vnis:\n${vrf('red', 1, '10.9.0.0/24')}l2vnis:\n  - {vni: 2, l3vni: red, gatewayIPs: [10.9.0.1/16]}\n`;
    expect(dropInErrors(text)).toEqual([
      'd.yaml:6:39: l2vnis[0].gatewayIPs[0]: subnet 10.9.0.0/16 overlaps l3vnis[0].hostSession.localCIDR.ipv4 (10.9.0.0/24) in VRF red',
    ]);
  });

  test('within one VRF, the gateway subnets of two L2VNIs', () => {
    const text = `l3vnis:\n${vrf('red', 1)}l2vnis:\n  - {vni: 2, l3vni: red, gatewayIPs: [10.8.0.1/24]}\n  - {vni: 3, l3vni: red, gatewayIPs: ["fd00::1/64", 10.8.0.129/25]}\n`;
    expect(dropInErrors(text)).toEqual([
      'd.yaml:6:53: l2vnis[1].gatewayIPs[1]: subnet 10.8.0.128/25 overlaps l2vnis[0].gatewayIPs[0] (10.8.0.0/24) in VRF red',
    ]);
  });

  test('the same subnets in two VRFs are fine: separate tables', () => {
    const text = `l3vnis:\n${vrf('red', 1)}${vrf('blue', 2)}l2vnis:\n  - {vni: 3, l3vni: red, gatewayIPs: [10.8.0.1/24]}\n  - {vni: 4, l3vni: blue, gatewayIPs: [10.8.0.1/24]}\n`;
    expect(dropInErrors(text)).toEqual([]);
  });

  test('vtepCIDR and routerIDCIDR against host-session CIDRs', () => {
    const text = `underlay:\n  routerIDCIDR: 10.9.0.0/16\nl3vnis:\n${vrf('red', 1, '10.9.0.0/24')}${vrf('blue', 2, '100.65.0.0/25')}`;
    expect(dropInErrors(text)).toEqual([
      'd.yaml:6:53: l3vnis[0].hostSession.localCIDR.ipv4: 10.9.0.0/24 overlaps underlay.routerIDCIDR (10.9.0.0/16)',
      'd.yaml:9:53: l3vnis[1].hostSession.localCIDR.ipv4: 100.65.0.0/25 overlaps underlay.vtepCIDR (100.65.0.0/24)',
    ]);
  });
});

describe('duplicates', () => {
  test('VNIs across l3vnis and l2vnis', () => {
    const text = `l3vnis:\n${vrf('red', 100)}${vrf('blue', 100)}l2vnis:\n  - vni: 100\n  - vni: 200\n  - vni: 200\n`;
    expect(dropInErrors(text)).toEqual([
      'd.yaml:5:10: l3vnis[1].vni: duplicate VNI 100 (also l3vnis[0].vni): VNIs are unique across l3vnis and l2vnis',
      'd.yaml:7:10: l2vnis[0].vni: duplicate VNI 100 (also l3vnis[0].vni): VNIs are unique across l3vnis and l2vnis',
      'd.yaml:9:10: l2vnis[2].vni: duplicate VNI 200 (also l2vnis[1].vni): VNIs are unique across l3vnis and l2vnis',
    ]);
  });

  test('VRF names', () => {
    expect(dropInErrors(`l3vnis:\n${vrf('red', 1)}${vrf('red', 2)}`)).toEqual([
      'd.yaml:4:10: l3vnis[1].vrf: duplicate VRF red (also l3vnis[0].vrf)',
    ]);
  });

  test('tables, explicit or defaulted (1000 + vni)', () => {
    const text = `l3vnis:\n${vrf('red', 100)}${vrf('blue', 2, undefined, '    table: 1100\n')}${vrf('green', 3, undefined, '    table: 1100\n')}`;
    expect(dropInErrors(text)).toEqual([
      'd.yaml:6:12: l3vnis[1].table: duplicate table 1100 (also l3vnis[0].table)',
      'd.yaml:9:12: l3vnis[2].table: duplicate table 1100 (also l3vnis[0].table)',
    ]);
  });

  test('a defaulted duplicate table is reported at its l3vni item', () => {
    const text = `l3vnis:\n${vrf('red', 2, undefined, '    table: 1100\n')}${vrf('blue', 100)}`;
    expect(dropInErrors(text)).toEqual(['d.yaml:5:5: l3vnis[1].table: duplicate table 1100 (also l3vnis[0].table)']);
  });

  test('neighbor addresses (compared canonically) and interfaces', () => {
    const text =
      'underlay:\n  neighbors:\n    - {address: 192.168.11.2, asn: 1}\n    - {address: "fd00::1", asn: 1}\n    - {address: "FD00:0::1", asn: 1}\n    - {interface: eth1, type: external}\n    - {interface: eth1, type: external}\n';
    expect(dropInErrors(text)).toEqual([
      'd.yaml:3:17: underlay.neighbors[1].address: duplicate neighbor address 192.168.11.2 (also underlay.neighbors[0].address)',
      'd.yaml:5:17: underlay.neighbors[3].address: duplicate neighbor address FD00:0::1 (also underlay.neighbors[2].address)',
      'd.yaml:7:19: underlay.neighbors[5].interface: duplicate neighbor interface eth1 (also underlay.neighbors[4].interface)',
    ]);
  });

  test('hostMaster names across l2vnis', () => {
    const text = 'l2vnis:\n  - {vni: 1, hostMaster: {name: br0}}\n  - {vni: 2, hostMaster: {name: br0}}\n';
    expect(dropInErrors(text)).toEqual([
      'd.yaml:3:33: l2vnis[1].hostMaster.name: duplicate hostMaster name br0 (also l2vnis[0].hostMaster.name): each L2VNI needs its own host bridge',
    ]);
  });
});

describe('names that collide', () => {
  test.each([
    [
      `l3vnis:\n${vrf('vni100', 100)}`,
      'd.yaml:2:10: l3vnis[0].vrf: VRF "vni100" collides with the interface evpn-node creates for VNI 100',
    ],
    [`l3vnis:\n${vrf('default', 1)}`, 'd.yaml:2:10: l3vnis[0].vrf: "default" is reserved for the default VRF'],
    [`l3vnis:\n${vrf('eth1', 1)}`, 'd.yaml:2:10: l3vnis[0].vrf: "eth1" is the name of an underlay NIC'],
    [
      'l2vnis:\n  - {vni: 110, hostMaster: {name: host-110}}\n',
      'd.yaml:2:35: l2vnis[0].hostMaster.name: hostMaster "host-110" collides with the interface evpn-node creates for VNI 110',
    ],
    [
      'l2vnis:\n  - {vni: 110, hostMaster: {name: eth1}}\n',
      'd.yaml:2:35: l2vnis[0].hostMaster.name: "eth1" is an underlay NIC, which moves into the router netns',
    ],
    [
      `l3vnis:\n${vrf('red', 1)}l2vnis:\n  - {vni: 110, hostMaster: {name: red}}\n`,
      'd.yaml:5:35: l2vnis[0].hostMaster.name: "red" is also a VRF name',
    ],
    [
      'underlay:\n  nic: pe-7\nl2vnis:\n  - vni: 7\n',
      'd.yaml:2:8: underlay.nic: underlay NIC "pe-7" collides with the interface evpn-node creates for VNI 7',
    ],
  ])('%j', (text, expected) => {
    expect(dropInErrors(text)).toContain(expected);
  });

  test('br-hs-<vni> is the recommended host bridge name and fine', () => {
    expect(dropInErrors('l2vnis:\n  - {vni: 110, hostMaster: {name: br-hs-110, managed: true}}\n')).toEqual([]);
  });
});

describe('the node index fits every CIDR it indexes into', () => {
  test('VTEP, router-id and host sessions', () => {
    const text = `node:\n  index: 6\nunderlay:\n  vtepCIDR: 100.65.0.0/29\n  routerIDCIDR: 10.0.0.0/30\nl3vnis:\n${vrf('red', 1, '10.9.0.0/29')}`;
    expect(dropInErrors(text)).toEqual([
      'd.yaml:2:10: node.index: 6 does not fit underlay.vtepCIDR 100.65.0.0/29 (VTEP = first usable + index; node.index must be 0..5)',
      'd.yaml:2:10: node.index: 6 does not fit underlay.routerIDCIDR 10.0.0.0/30 (router-id = first usable + index; node.index must be 0..1)',
      'd.yaml:2:10: node.index: 6 does not fit l3vnis[0].hostSession.localCIDR.ipv4 10.9.0.0/29 (host side = first usable + 1 + index; node.index must be 0..4)',
    ]);
  });

  test('the last index that fits is accepted', () => {
    expect(
      dropInErrors(`node:\n  index: 4\nunderlay:\n  vtepCIDR: 100.65.0.0/29\nl3vnis:\n${vrf('red', 1, '10.9.0.0/29')}`),
    ).toEqual([]);
  });

  test('a /32 has room for index 0 only; /31 uses both addresses', () => {
    expect(
      dropInErrors('node:\n  index: 0\nunderlay:\n  vtepCIDR: 100.65.0.7/32\n  routerIDCIDR: 10.0.0.0/31\n'),
    ).toEqual([]);
    expect(
      dropInErrors('node:\n  index: 1\nunderlay:\n  vtepCIDR: 100.65.0.7/32\n  routerIDCIDR: 10.0.0.0/31\n'),
    ).toEqual([
      'd.yaml:2:10: node.index: 1 does not fit underlay.vtepCIDR 100.65.0.7/32 (VTEP = first usable + index; node.index must be 0..0)',
    ]);
  });

  test('explicit vtepIP and routerID replace the derivation', () => {
    expect(dropInErrors('node:\n  index: 600\n  vtepIP: 100.65.1.1\n  routerID: 10.0.1.1\n')).toEqual([]);
  });
});

describe('references', () => {
  test('l2vni.l3vni must name an L3VNI', () => {
    expect(dropInErrors(`l3vnis:\n${vrf('blue', 1)}l2vnis:\n  - {vni: 2, l3vni: bleu}\n`)).toEqual([
      'd.yaml:5:21: l2vnis[0].l3vni: names no L3VNI: "bleu" is not an l3vnis[].vrf (did you mean "blue"?)',
    ]);
  });

  test('gatewayIPs need l3vni', () => {
    expect(dropInErrors('l2vnis:\n  - vni: 2\n    gatewayIPs: [10.8.0.1/24]\n')).toEqual([
      'd.yaml:3:17: l2vnis[0].gatewayIPs: needs "l3vni": gateway addresses live in the VRF the segment routes in',
    ]);
  });

  test('hostAddress only on a device evpn-node owns', () => {
    const errs = dropInErrors('l2vnis:\n  - vni: 2\n    hostMaster: {name: br0}\n    hostAddress: 10.8.0.5/24\n');
    expect(errs).toEqual([
      "d.yaml:4:18: l2vnis[0].hostAddress: is only allowed when hostMaster is absent or managed: true; evpn-node only puts addresses on devices it owns, and br0 is the user's",
    ]);
    expect(
      dropInErrors('l2vnis:\n  - vni: 2\n    hostMaster: {name: br0, managed: true}\n    hostAddress: 10.8.0.5/24\n'),
    ).toEqual([]);
    expect(dropInErrors('l2vnis:\n  - vni: 2\n    hostAddress: 10.8.0.5/24\n')).toEqual([]);
  });

  test('vlan.parent is not the nic', () => {
    expect(dropInErrors('underlay:\n  vlan: {parent: eth1, id: 10}\n')).toEqual([
      "d.yaml:2:18: underlay.vlan.parent: must differ from the NIC's name (eth1 is the VLAN device created on this parent)",
    ]);
  });
});

describe('primary', () => {
  test('must set exactly one of l3vni and l2vni', () => {
    expect(
      dropInErrors(
        `l3vnis:\n${vrf('red', 1, '10.9.0.0/24')}l2vnis:\n  - {vni: 2, hostAddress: 10.8.0.5/24}\nprimary: {l3vni: red, l2vni: 2, defaultRoute: false}\n`,
      ),
    ).toEqual(['d.yaml:7:23: primary.l2vni: "l3vni" and "l2vni" are mutually exclusive: set only one']);
  });

  test('l3vni must exist and have a hostSession', () => {
    expect(dropInErrors(`l3vnis:\n${vrf('red', 1)}primary: {l3vni: rde}\n`)).toEqual([
      'd.yaml:4:18: primary.l3vni: names no L3VNI: "rde" is not an l3vnis[].vrf (did you mean "red"?)',
    ]);
    expect(dropInErrors(`l3vnis:\n${vrf('red', 1)}primary: {l3vni: red}\n`)).toEqual([
      'd.yaml:4:18: primary.l3vni: l3vni "red" has no hostSession: the primary interface is its host leg',
    ]);
  });

  test('l2vni must exist and have a hostAddress', () => {
    expect(dropInErrors('primary: {l2vni: 7}\n')).toEqual([
      'd.yaml:1:18: primary.l2vni: names no L2VNI: no l2vnis[].vni is 7',
    ]);
    expect(dropInErrors('l2vnis:\n  - vni: 7\nprimary: {l2vni: 7}\n')).toEqual([
      'd.yaml:3:18: primary.l2vni: l2vni 7 has no hostAddress: the node IP of the primary interface',
    ]);
  });

  test('an L2 default route needs an on-link gateway of the hostAddress family', () => {
    const l2 = (gw: string): string =>
      `l3vnis:\n${vrf('red', 1)}l2vnis:\n  - {vni: 7, l3vni: red, gatewayIPs: [${gw}], hostAddress: 10.8.0.5/24}\nprimary: {l2vni: 7}\n`;
    expect(dropInErrors(l2('"fd00::1/64"'))).toEqual([
      'd.yaml:6:10: primary.defaultRoute: needs a gatewayIP of the same family as l2vnis[0].hostAddress (IPv4)',
    ]);
    expect(dropInErrors(l2('10.7.0.1/16'))).toEqual([
      'd.yaml:5:66: l2vnis[0].hostAddress: 10.8.0.5/24 does not contain the gateway 10.7.0.1: the default route needs it on-link',
    ]);
    expect(dropInErrors(l2('10.8.0.1/24'))).toEqual([]);
    expect(
      dropInErrors(l2('"fd00::1/64"').replace('primary: {l2vni: 7}', 'primary: {l2vni: 7, defaultRoute: false}')),
    ).toEqual([]);
  });
});

describe('neighbors', () => {
  test('hold time must exceed keepalive', () => {
    expect(
      dropInErrors(
        'underlay:\n  neighbors:\n    - {address: 10.1.1.1, asn: 1, holdTimeSeconds: 3, keepaliveTimeSeconds: 3}\n',
      ),
    ).toEqual(['d.yaml:3:52: underlay.neighbors[1].holdTimeSeconds: must be greater than keepaliveTimeSeconds (3)']);
    expect(
      dropInErrors(
        'underlay:\n  neighbors:\n    - {address: 10.1.1.1, asn: 1, holdTimeSeconds: 9, keepaliveTimeSeconds: 3}\n',
      ),
    ).toEqual([]);
  });

  test('no neighbors at all is a warning, not an error', () => {
    const r = single('node: {index: 0}\nunderlay:\n  asn: 1\n  nic: eth1\n  vtepCIDR: 100.65.0.0/24\n');
    expect(r.ok).toBe(true);
    expect(warningLines(r)).toEqual([
      'x.yaml:3:3: warning: underlay.neighbors: no underlay BGP neighbors: no EVPN routes will be learned; with readiness.underlayEstablished the node never becomes ready',
    ]);
  });

  test('an empty neighbors list in a drop-in appends nothing', () => {
    const r = withDropIn('underlay:\n  neighbors: []\n');
    expect(r.ok).toBe(true);
    expect(r.config?.underlay.neighbors).toHaveLength(1);
  });

  test('an unnumbered neighbor on another interface than the nic is a warning', () => {
    const r = withDropIn('underlay:\n  neighbors:\n    - {interface: eth2, type: external}\n');
    expect(r.ok).toBe(true);
    expect(warningLines(r)).toEqual([
      'd.yaml:3:19: warning: underlay.neighbors[1].interface: is not an underlay NIC (eth1): only the underlay NICs are moved into the router netns',
    ]);
  });
});

test('every error is reported, not just the first', () => {
  const text = `node:\n  index: 300\nl3vnis:\n${vrf('red', 1, '10.9.0.0/24')}${vrf('red', 1, '10.9.0.0/24')}l2vnis:\n  - {vni: 5, l3vni: green}\nprimary: {l2vni: 9}\n`;
  expect(dropInErrors(text).map((l) => l.split(': ')[1])).toEqual([
    'node.index', // vtepCIDR
    'node.index', // routerIDCIDR
    'node.index', // l3vnis[0] host session
    'node.index', // l3vnis[1] host session
    'l3vnis[1].vrf',
    'l3vnis[1].vni', // and not also its default table
    'l3vnis[1].hostSession.localCIDR.ipv4',
    'l2vnis[0].l3vni',
    'primary.l2vni',
  ]);
});

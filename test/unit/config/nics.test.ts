// underlay.nics (several NICs, dual ToR) and the underlay.nic shorthand: exactly one of the two,
// items a name or {name, vlan}, each NIC once, VLAN parents that stay in the host.

import { describe, expect, test } from 'vitest';
import { errorLines, single, warningLines } from './helpers.js';

const cfg = (underlay: string, rest = ''): string =>
  `node:\n  index: 3\nunderlay:\n  asn: 64514\n  vtepCIDR: 100.65.0.0/24\n${underlay}${rest}`;

describe('underlay.nics', () => {
  test('names and VLAN items normalise to one list; nic is the one-item shorthand', () => {
    const r = single(cfg('  nics:\n    - eth1\n    - {name: eth2.100, vlan: {parent: eth2, id: 100}}\n'));
    expect(errorLines(r)).toEqual([]);
    expect(r.config?.underlay.nics).toEqual([
      { name: 'eth1' },
      { name: 'eth2.100', vlan: { parent: 'eth2', id: 100 } },
    ]);
    const short = single(cfg('  nic: eth1.7\n  vlan: {parent: eth1, id: 7}\n'));
    expect(short.config?.underlay.nics).toEqual([{ name: 'eth1.7', vlan: { parent: 'eth1', id: 7 } }]);
  });

  test.each([
    [
      '  nic: eth1\n  nics: [eth2]\n',
      'x.yaml:7:3: underlay.nics: "nic" and "nics" are mutually exclusive: set only one',
    ],
    ['', 'x.yaml:3:1: underlay: needs one of "nic" or "nics"'],
    ['  nics: []\n', 'x.yaml:6:9: underlay.nics: must not be empty'],
    ['  nics: eth1\n', 'x.yaml:6:9: underlay.nics: must be a list (got a string)'],
    ['  nics: [7]\n', 'x.yaml:6:10: underlay.nics[0]: must be a name or a map (got an integer)'],
    [
      '  nics: [eth1, this-name-is-too-long]\n',
      'x.yaml:6:16: underlay.nics[1]: must be at most 15 characters (kernel interface name limit)',
    ],
    ['  nics: ["eth1;reboot"]\n', 'x.yaml:6:10: underlay.nics[0]: may only contain [a-zA-Z0-9._-]'],
    ['  nics: [{vlan: {parent: eth1, id: 7}}]\n', 'x.yaml:6:10: underlay.nics[0].name: is required'],
    [
      '  nics: [{name: eth1.7, vlan: {parent: eth1, id: 4095}}]\n',
      'x.yaml:6:50: underlay.nics[0].vlan.id: must be 1..4094',
    ],
    [
      '  nics: [{name: eth1, mtu: 9000}]\n',
      'x.yaml:6:23: underlay.nics[0].mtu: unknown key "mtu" (expected one of: name, vlan)',
    ],
    [
      '  nics: [eth1, eth2, eth1]\n',
      'x.yaml:6:22: underlay.nics[2]: duplicate underlay NIC eth1 (also underlay.nics[0])',
    ],
    [
      '  nics: [eth1]\n  vlan: {parent: eth0, id: 7}\n',
      'x.yaml:7:3: underlay.vlan: goes with underlay.nic; with underlay.nics, give the VLAN item its own vlan: ({name: eth1.100, vlan: {parent: eth1, id: 100}})',
    ],
    [
      '  nics: [{name: eth1.7, vlan: {parent: eth1.7, id: 7}}]\n',
      "x.yaml:6:40: underlay.nics[0].vlan.parent: must differ from the NIC's name (eth1.7 is the VLAN device created on this parent)",
    ],
    [
      '  nics: [eth1, {name: eth1.7, vlan: {parent: eth1, id: 7}}]\n',
      'x.yaml:6:46: underlay.nics[1].vlan.parent: eth1 is itself an underlay NIC: it moves into the router netns, and the VLAN on it is created in the host netns before its own move',
    ],
    [
      '  nics: [eth1, vni7]\nl2vnis:\n  - vni: 7\n',
      'x.yaml:6:16: underlay.nics[1]: underlay NIC "vni7" collides with the interface evpn-node creates for VNI 7',
    ],
    [
      '  nics: [eth1, eth2]\nl2vnis:\n  - {vni: 7, hostMaster: {name: eth2}}\n',
      'x.yaml:8:33: l2vnis[0].hostMaster.name: "eth2" is an underlay NIC, which moves into the router netns',
    ],
  ])('%j', (underlay, expected) => {
    expect(errorLines(single(cfg(underlay)))).toContain(expected);
  });

  test('an unnumbered neighbor on a NIC that is not an underlay NIC is a warning; on each of them it is fine', () => {
    const n = (ifs: string[]) =>
      `  neighbors:\n${ifs.map((i) => `    - {interface: ${i}, type: external}\n`).join('')}`;
    expect(warningLines(single(cfg('  nics: [eth1, eth2]\n', n(['eth1', 'eth2']))))).toEqual([]);
    expect(warningLines(single(cfg('  nics: [eth1, eth2]\n', n(['eth1', 'eth3']))))).toEqual([
      'x.yaml:9:19: warning: underlay.neighbors[1].interface: is not an underlay NIC (eth1, eth2): only the underlay NICs are moved into the router netns',
    ]);
  });

  test('a drop-in replaces the NIC list (lists other than l3vnis, l2vnis and neighbors do not append)', () => {
    const r = single(cfg('  nics: [eth1, eth2]\n'));
    expect(r.config?.underlay.nics.map((n) => n.name)).toEqual(['eth1', 'eth2']);
  });
});

// Structural rules (schema.ts): types, ranges, required and unknown keys, patterns, formats,
// key exclusivity and unsafe characters, each reported at the offending value's line:col.

import { describe, expect, test } from 'vitest';
import { dropInErrors, errorLines, single } from './helpers.js';

describe('ranges', () => {
  test.each([
    ['underlay:\n  asn: 0\n', 'd.yaml:2:8: underlay.asn: must be 1..4294967295'],
    ['underlay:\n  asn: 4294967296\n', 'd.yaml:2:8: underlay.asn: must be 1..4294967295'],
    ['l3vnis:\n  - {vrf: red, vni: 16777216}\n', 'd.yaml:2:21: l3vnis[0].vni: must be 1..16777215'],
    ['l2vnis:\n  - vni: 0\n', 'd.yaml:2:10: l2vnis[0].vni: must be 1..16777215'],
    ['l3vnis:\n  - {vrf: red, vni: 1, vxlanPort: 65536}\n', 'd.yaml:2:35: l3vnis[0].vxlanPort: must be 1..65535'],
    ['l2vnis:\n  - {vni: 1, vxlanPort: 0}\n', 'd.yaml:2:25: l2vnis[0].vxlanPort: must be 1..65535'],
    ['underlay:\n  mtu: 1279\n', 'd.yaml:2:8: underlay.mtu: must be 1280..65535'],
    ['underlay:\n  mtu: 65536\n', 'd.yaml:2:8: underlay.mtu: must be 1280..65535'],
    ['underlay:\n  vlan: {parent: eth0, id: 4095}\n', 'd.yaml:2:28: underlay.vlan.id: must be 1..4094'],
    ['underlay:\n  vlan: {parent: eth0, id: 0}\n', 'd.yaml:2:28: underlay.vlan.id: must be 1..4094'],
    ['node:\n  index: -1\n', 'd.yaml:2:10: node.index: must be 0..16777215'],
    [
      'l3vnis:\n  - {vrf: red, vni: 1, table: 254}\n',
      'd.yaml:2:31: l3vnis[0].table: must be 1..252 or 256..4294967295 (0 and 253..255 are reserved)',
    ],
    [
      'l3vnis:\n  - {vrf: red, vni: 1, table: 0}\n',
      'd.yaml:2:31: l3vnis[0].table: must be 1..252 or 256..4294967295 (0 and 253..255 are reserved)',
    ],
    ['readiness:\n  timeoutSeconds: 0\n', 'd.yaml:2:19: readiness.timeoutSeconds: must be 1..86400'],
  ])('%j', (dropIn, expected) => {
    expect(dropInErrors(dropIn)).toContain(expected);
  });

  const neighbor = (field: string): string =>
    `underlay:\n  neighbors:\n    - address: 10.1.1.1\n      asn: 1\n      ${field}\n`;
  test.each([
    ['port: 0', 'port: must be 1..65535'],
    ['port: 65536', 'port: must be 1..65535'],
    ['asn2: 1', 'asn2: unknown key "asn2" (did you mean "asn"?)'],
    ['bfd: {receiveInterval: 9}', 'bfd.receiveInterval: must be 10..60000'],
    ['bfd: {transmitInterval: 60001}', 'bfd.transmitInterval: must be 10..60000'],
    ['bfd: {detectMultiplier: 1}', 'bfd.detectMultiplier: must be 2..255'],
    ['bfd: {detectMultiplier: 256}', 'bfd.detectMultiplier: must be 2..255'],
    ['holdTimeSeconds: 2', 'holdTimeSeconds: must be 0 or 3..65535'],
    ['holdTimeSeconds: 65536', 'holdTimeSeconds: must be 0 or 3..65535'],
    ['keepaliveTimeSeconds: 65536', 'keepaliveTimeSeconds: must be 0..65535'],
    ['connectTimeSeconds: 0', 'connectTimeSeconds: must be 1..65535'],
    ['ebgpMultiHop: 0', 'ebgpMultiHop: must be 1..255'],
    ['ebgpMultiHop: 256', 'ebgpMultiHop: must be 1..255'],
  ])('neighbor %s', (field, expected) => {
    // The drop-in's neighbor is appended after the main file's one: index 1, line 5.
    expect(dropInErrors(neighbor(field)).join('\n')).toMatch(
      new RegExp(
        `^d\\.yaml:5:\\d+: underlay\\.neighbors\\[1\\]\\.${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
        'm',
      ),
    );
  });

  test('0 is a valid hold time (keepalives off) and 3 the smallest other', () => {
    expect(dropInErrors(neighbor('holdTimeSeconds: 0'))).toEqual([]);
    expect(dropInErrors(neighbor('holdTimeSeconds: 3'))).toEqual([]);
  });
});

describe('types', () => {
  test.each([
    ['l3vnis:\n  - {vrf: red, vni: "100"}\n', 'd.yaml:2:21: l3vnis[0].vni: must be an integer (got a string)'],
    ['l3vnis:\n  - {vrf: red, vni: 1.5}\n', 'd.yaml:2:21: l3vnis[0].vni: must be an integer (got a number)'],
    [
      'l2vnis:\n  - {vni: 1, hostMaster: {name: br0, managed: yes}}\n',
      'd.yaml:2:47: l2vnis[0].hostMaster.managed: must be true or false (got a string)',
    ],
    ['l3vnis: {vrf: red}\n', 'd.yaml:1:9: l3vnis: must be a list (got a map)'],
    ['underlay: [eth1]\n', 'd.yaml:1:11: underlay: must be a map (got a list)'],
    ['underlay:\n  nic: 12\n', 'd.yaml:2:8: underlay.nic: must be a string (got an integer)'],
    [
      'underlay:\n  neighbors:\n    - {address: 10.1.1.1, type: externl}\n',
      'd.yaml:3:33: underlay.neighbors[1].type: must be one of: external, internal (did you mean "external"?)',
    ],
    [
      'frr:\n  logLevel: debug\n',
      'd.yaml:2:13: frr.logLevel: must be one of: emergencies, alerts, critical, errors, warnings, notifications, informational, debugging (did you mean "debugging"?)',
    ],
  ])('%j', (dropIn, expected) => {
    expect(dropInErrors(dropIn)).toContain(expected);
  });

  test('a wrongly typed password is refused without echoing it', () => {
    const errs = dropInErrors('underlay:\n  neighbors:\n    - {address: 10.1.1.1, asn: 1, password: 987654321}\n');
    expect(errs).toContain('d.yaml:3:45: underlay.neighbors[1].password: must be a string (got an integer)');
    expect(errs.join('\n')).not.toContain('987654321');
  });
});

describe('required and unknown keys', () => {
  test('a missing key is reported at the key of its parent map', () => {
    const r = single('node:\n  index: 0\nunderlay:\n  nic: eth1\n  vtepCIDR: 100.65.0.0/24\n');
    expect(errorLines(r)).toEqual(['x.yaml:3:1: underlay.asn: is required']);
  });

  test('missing top-level sections are reported at the top of the file', () => {
    expect(errorLines(single('frr: {logLevel: errors}\n'))).toEqual([
      'x.yaml:1:1: node: is required',
      'x.yaml:1:1: underlay: is required',
    ]);
  });

  test('an empty file is a config without anything', () => {
    expect(errorLines(single(''))).toEqual(['x.yaml:1:1: node: is required', 'x.yaml:1:1: underlay: is required']);
  });

  test('a key without a value counts as absent and is reported at the key', () => {
    const r = single('node:\n  index:\nunderlay:\n  asn: 1\n  nic: eth1\n  vtepCIDR: 100.65.0.0/24\n');
    expect(errorLines(r)).toEqual(['x.yaml:2:3: node.index: needs a value (or set "indexFrom" instead)']);
  });

  test('items of lists need their keys', () => {
    expect(dropInErrors('l3vnis:\n  - vrf: red\n')).toEqual(['d.yaml:2:5: l3vnis[0].vni: is required']);
    expect(dropInErrors('l2vnis:\n  - l3vni: red\n')).toContain('d.yaml:2:5: l2vnis[0].vni: is required');
    expect(dropInErrors('l2vnis:\n  - vni: 5\n    hostMaster: {managed: true}\n')).toEqual([
      'd.yaml:3:5: l2vnis[0].hostMaster.name: is required',
    ]);
  });

  test('unknown keys point at the key and suggest the closest known one', () => {
    expect(dropInErrors('l3vnis:\n  - vrf: red\n    vni: 1\n    vnii: 2\n')).toEqual([
      'd.yaml:4:5: l3vnis[0].vnii: unknown key "vnii" (did you mean "vni"?)',
    ]);
    expect(dropInErrors('underlay:\n  routerIdCidr: 10.0.0.0/24\n')).toEqual([
      'd.yaml:2:3: underlay.routerIdCidr: unknown key "routerIdCidr" (did you mean "routerIDCIDR"?)',
    ]);
  });

  test('an unknown key far from any known one lists the known keys', () => {
    expect(dropInErrors('kubernetes: true\n')).toEqual([
      'd.yaml:1:1: kubernetes: unknown key "kubernetes" (expected one of: node, underlay, l3vnis, l2vnis, primary, frr, readiness, metrics, runtime)',
    ]);
  });
});

describe('one of two keys', () => {
  test.each([
    [
      'underlay:\n  neighbors:\n    - {asn: 1}\n',
      'd.yaml:3:7: underlay.neighbors[1]: needs one of "address" or "interface"',
    ],
    [
      'underlay:\n  neighbors:\n    - {address: 10.1.1.1, interface: eth1, asn: 1}\n',
      'd.yaml:3:27: underlay.neighbors[1].interface: "address" and "interface" are mutually exclusive: set only one',
    ],
    [
      'underlay:\n  neighbors:\n    - {address: 10.1.1.1}\n',
      'd.yaml:3:7: underlay.neighbors[1]: needs one of "asn" or "type"',
    ],
    [
      'underlay:\n  neighbors:\n    - {address: 10.1.1.1, asn: 1, type: internal}\n',
      'd.yaml:3:35: underlay.neighbors[1].type: "asn" and "type" are mutually exclusive: set only one',
    ],
    [
      'underlay:\n  neighbors:\n    - {address: 10.1.1.1, asn: 1, password: a, passwordFile: /a}\n',
      'd.yaml:3:48: underlay.neighbors[1].passwordFile: "password" and "passwordFile" are mutually exclusive: set only one',
    ],
    [
      'l3vnis:\n  - vrf: red\n    vni: 1\n    hostSession: {localCIDR: {ipv4: 10.9.0.0/24}}\n',
      'd.yaml:4:5: l3vnis[0].hostSession: needs one of "hostASN" or "hostType"',
    ],
    [
      'l3vnis:\n  - vrf: red\n    vni: 1\n    hostSession: {hostASN: 1, hostType: internal, localCIDR: {ipv4: 10.9.0.0/24}}\n',
      'd.yaml:4:31: l3vnis[0].hostSession.hostType: "hostASN" and "hostType" are mutually exclusive: set only one',
    ],
    [
      'l3vnis:\n  - vrf: red\n    vni: 1\n    hostSession: {hostASN: 1, localCIDR: {}}\n',
      'd.yaml:4:31: l3vnis[0].hostSession.localCIDR: needs "ipv4" and/or "ipv6"',
    ],
    [
      'l3vnis:\n  - vrf: red\n    vni: 1\n    hostSession: {hostASN: 1}\n',
      'd.yaml:4:5: l3vnis[0].hostSession.localCIDR: is required',
    ],
    ['primary: {defaultRoute: true}\n', 'd.yaml:1:1: primary: needs one of "l3vni" or "l2vni"'],
  ])('%j', (dropIn, expected) => {
    expect(dropInErrors(dropIn)).toContain(expected);
  });
});

describe('interface names and other names', () => {
  test.each([
    [
      'underlay:\n  nic: eth1234567890abcd\n',
      'd.yaml:2:8: underlay.nic: must be at most 15 characters (kernel interface name limit)',
    ],
    ['underlay:\n  nic: eth1/2\n', 'd.yaml:2:8: underlay.nic: may only contain [a-zA-Z0-9._-]'],
    ['underlay:\n  nic: ""\n', 'd.yaml:2:8: underlay.nic: must not be empty'],
    [
      'underlay:\n  vlan: {parent: "eth@0", id: 5}\n',
      'd.yaml:2:18: underlay.vlan.parent: may only contain [a-zA-Z0-9._-]',
    ],
    [
      'underlay:\n  neighbors:\n    - {interface: swp1234567890123, type: external}\n',
      'd.yaml:3:19: underlay.neighbors[1].interface: must be at most 15 characters (kernel interface name limit)',
    ],
    [
      'l2vnis:\n  - {vni: 1, hostMaster: {name: "br:0"}}\n',
      'd.yaml:2:33: l2vnis[0].hostMaster.name: may only contain [a-zA-Z0-9._-]',
    ],
    [
      'l3vnis:\n  - {vrf: 1red, vni: 1}\n',
      'd.yaml:2:11: l3vnis[0].vrf: must start with a letter and contain only [a-zA-Z0-9_-]',
    ],
    [
      'l3vnis:\n  - {vrf: red.blue, vni: 1}\n',
      'd.yaml:2:11: l3vnis[0].vrf: must start with a letter and contain only [a-zA-Z0-9_-]',
    ],
    [
      'l3vnis:\n  - {vrf: redredredredredre, vni: 1}\n',
      'd.yaml:2:11: l3vnis[0].vrf: must be at most 15 characters (kernel interface name limit)',
    ],
    ['runtime:\n  netns: "../etc"\n', 'd.yaml:2:10: runtime.netns: must be a name of [a-zA-Z0-9._-]'],
    ['runtime:\n  pidFile: run/frr.pid\n', 'd.yaml:2:12: runtime.pidFile: must be an absolute path'],
  ])('%j', (dropIn, expected) => {
    expect(dropInErrors(dropIn)).toContain(expected);
  });

  // ip reads a bare `up` as "bring it up", `n` as an abbreviation of nomaster/node_guid/...,
  // `help` as "print the usage": a VRF named `up` made `link add up type vrf`, which creates a
  // VRF named vrf0 by the kernel, up (seen on iproute2 6.1). Keywords of ip link/address/route,
  // and their abbreviations ip accepts, are refused wherever a name reaches ip.
  test.each([
    ['l3vnis:\n  - {vrf: up, vni: 1}\n', 'd.yaml:2:11: l3vnis[0].vrf: cannot be a device name: "up" is an ip keyword'],
    [
      'l3vnis:\n  - {vrf: n, vni: 1}\n',
      'd.yaml:2:11: l3vnis[0].vrf: cannot be a device name: ip reads "n" as an abbreviation of its keywords node_guid, nomaster, notify, ...',
    ],
    [
      'l3vnis:\n  - {vrf: help, vni: 1}\n',
      'd.yaml:2:11: l3vnis[0].vrf: cannot be a device name: "help" is an ip keyword',
    ],
    [
      'l3vnis:\n  - {vrf: tab, vni: 1}\n',
      'd.yaml:2:11: l3vnis[0].vrf: cannot be a device name: ip reads "tab" as an abbreviation of its keyword table',
    ],
    [
      'l2vnis:\n  - {vni: 1, hostMaster: {name: help}}\n',
      'd.yaml:2:33: l2vnis[0].hostMaster.name: cannot be a device name: "help" is an ip keyword',
    ],
    ['underlay:\n  nic: dev\n', 'd.yaml:2:8: underlay.nic: cannot be a device name: "dev" is an ip keyword'],
    [
      'underlay:\n  nics: [eth1, down]\n',
      'd.yaml:2:16: underlay.nics[1]: cannot be a device name: "down" is an ip keyword',
    ],
    [
      'underlay:\n  nic: eth1.5\n  vlan: {parent: master, id: 5}\n',
      'd.yaml:3:18: underlay.vlan.parent: cannot be a device name: "master" is an ip keyword',
    ],
  ])('an ip keyword as a name: %j', (dropIn, expected) => {
    expect(dropInErrors(dropIn)).toContain(expected);
  });

  test('names that merely start like a keyword, or contain one, are fine', () => {
    for (const name of ['linkA', 'uplink', 'helpdesk', 'eth0', 'br0', 'red', 'mgmt', 'vrf1', 'lo0']) {
      expect(dropInErrors(`l2vnis:\n  - {vni: 1, hostMaster: {name: ${name}}}\n`), name).toEqual([]);
    }
  });

  test('15 characters is the limit, not 14', () => {
    expect(dropInErrors('underlay:\n  nic: eth123456789ab\n')).toEqual([]);
  });
});

describe('config injection: values reaching frr.conf or ip are single tokens', () => {
  test.each([
    ['l3vnis:\n  - vrf: "red\\n router bgp 1"\n    vni: 1\n', 'd.yaml:2:10: l3vnis[0].vrf: must not contain a newline'],
    [
      'underlay:\n  neighbors:\n    - {address: 10.1.1.1, asn: 1, password: "x\\nline vty"}\n',
      'd.yaml:3:45: underlay.neighbors[1].password: must not contain a newline',
    ],
    [
      'underlay:\n  nic: "eth1; reboot"\n',
      'd.yaml:2:8: underlay.nic: must be a single token: no whitespace, "!" or "#"',
    ],
    [
      'underlay:\n  neighbors:\n    - {address: 10.1.1.1, asn: 1, password: "abc!def"}\n',
      'd.yaml:3:45: underlay.neighbors[1].password: must be a single token: no whitespace, "!" or "#"',
    ],
    [
      'underlay:\n  neighbors:\n    - {address: 10.1.1.1, asn: 1, password: "two words"}\n',
      'd.yaml:3:45: underlay.neighbors[1].password: must be a single token',
    ],
    [
      'l3vnis:\n  - {vrf: red, vni: 1, exportRTs: ["64512:1 !"]}\n',
      'd.yaml:2:36: l3vnis[0].exportRTs[0]: must be a single token',
    ],
    [
      'l2vnis:\n  - {vni: 1, hostMaster: {name: "br0#x"}}\n',
      'd.yaml:2:33: l2vnis[0].hostMaster.name: must be a single token',
    ],
    ['underlay:\n  nic: "eth1\\u0000"\n', 'd.yaml:2:8: underlay.nic: must not contain control characters'],
    ['runtime:\n  stateDir: "/var/lib/x\\ry"\n', 'd.yaml:2:13: runtime.stateDir: must not contain a newline'],
    [
      'frr:\n  rawConfig: "ok line\\n\\u0007bell"\n',
      'd.yaml:2:14: frr.rawConfig: must not contain control characters other than newline and tab',
    ],
  ])('%j', (dropIn, expected) => {
    expect(dropInErrors(dropIn).join('\n')).toContain(expected);
  });

  test('frr.rawConfig is verbatim by design: newlines, tabs, "!" and "#" are fine', () => {
    expect(
      dropInErrors(
        'frr:\n  rawConfig: |\n    ! comment\n    ip prefix-list x seq 5 permit 10.0.0.0/8\n    #\tanything\n',
      ),
    ).toEqual([]);
  });

  test('a refused password is never echoed', () => {
    const errs = dropInErrors(
      'underlay:\n  neighbors:\n    - {address: 10.1.1.1, asn: 1, password: "s3cr3t\\nline vty"}\n',
    );
    expect(errs).toHaveLength(1);
    expect(errs.join('\n')).not.toContain('s3cr3t');
  });
});

describe('formats', () => {
  test.each([
    [
      'underlay:\n  vtepCIDR: 100.65.0.1/24\n',
      'd.yaml:2:13: underlay.vtepCIDR: host bits are set: did you mean 100.65.0.0/24?',
    ],
    [
      'underlay:\n  routerIDCIDR: 10.0.0.0/33\n',
      'd.yaml:2:17: underlay.routerIDCIDR: must be an IPv4 prefix like 10.0.0.0/24',
    ],
    [
      'underlay:\n  vtepCIDR: "fd00::/64"\n',
      'd.yaml:2:13: underlay.vtepCIDR: must be an IPv4 prefix like 10.0.0.0/24 (this is IPv6)',
    ],
    ['underlay:\n  vtepCIDR: 100.65.0.0\n', 'd.yaml:2:13: underlay.vtepCIDR: must be an IPv4 prefix like 10.0.0.0/24'],
    [
      'l3vnis:\n  - vrf: red\n    vni: 1\n    hostSession: {hostASN: 1, localCIDR: {ipv6: 10.9.0.0/24}}\n',
      'd.yaml:4:49: l3vnis[0].hostSession.localCIDR.ipv6: must be an IPv6 prefix like fd00::/64 (this is IPv4)',
    ],
    [
      'l3vnis:\n  - vrf: red\n    vni: 1\n    hostSession: {hostASN: 1, localCIDR: {ipv6: "fd00::1/64"}}\n',
      'd.yaml:4:49: l3vnis[0].hostSession.localCIDR.ipv6: host bits are set: did you mean fd00::/64?',
    ],
    ['node:\n  vtepIP: 100.65.0.256\n', 'd.yaml:2:11: node.vtepIP: must be an IPv4 address like 10.0.0.4'],
    ['node:\n  routerID: "fd00::1"\n', 'd.yaml:2:13: node.routerID: must be an IPv4 address like 10.0.0.4'],
    [
      'underlay:\n  neighbors:\n    - {address: tor1, asn: 1}\n',
      'd.yaml:3:17: underlay.neighbors[1].address: must be an IPv4 or IPv6 address',
    ],
    [
      'l2vnis:\n  - {vni: 1, l3vni: red, gatewayIPs: [10.1.0.1]}\n',
      'd.yaml:2:39: l2vnis[0].gatewayIPs[0]: must be an address with a prefix length',
    ],
    [
      'l2vnis:\n  - {vni: 1, hostAddress: 10.1.0.300/24}\n',
      'd.yaml:2:27: l2vnis[0].hostAddress: must be an address with a prefix length',
    ],
    [
      'l3vnis:\n  - {vrf: red, vni: 1, importRTs: [abc]}\n',
      'd.yaml:2:36: l3vnis[0].importRTs[0]: must be a route target ASN:NN or A.B.C.D:NN',
    ],
    [
      'l3vnis:\n  - {vrf: red, vni: 1, importRTs: ["70000:70000"]}\n',
      'd.yaml:2:36: l3vnis[0].importRTs[0]: route target 4-byte ASN:NN needs NN in 0..65535',
    ],
    [
      'l3vnis:\n  - {vrf: red, vni: 1, importRTs: ["1.2.3.4:70000"]}\n',
      'd.yaml:2:36: l3vnis[0].importRTs[0]: route target A.B.C.D:NN needs NN in 0..65535',
    ],
    [
      'l3vnis:\n  - {vrf: red, vni: 1, importRTs: ["0:1"]}\n',
      'd.yaml:2:36: l3vnis[0].importRTs[0]: route target ASN must be 1..4294967295',
    ],
  ])('%j', (dropIn, expected) => {
    expect(dropInErrors(dropIn).join('\n')).toContain(expected);
  });

  test('valid route targets of every kind pass', () => {
    expect(
      dropInErrors(
        'l3vnis:\n  - {vrf: red, vni: 1, importRTs: ["64512:4294967295", "4200000000:65535", "10.0.0.1:100"]}\n',
      ),
    ).toEqual([]);
  });
});

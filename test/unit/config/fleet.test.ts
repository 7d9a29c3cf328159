// Fleet fields: per-neighbor allowASIn (shared ASN), the host session's hostASN equal to its own
// ASN (refused, pointing at hostType: internal).

import { describe, expect, test } from 'vitest';
import { dropInErrors, warningLines, withDropIn } from './helpers.js';

describe('underlay.neighbors[].allowASIn', () => {
  test('a boolean; false and true are both fine on eBGP sessions', () => {
    expect(
      dropInErrors('underlay:\n  neighbors:\n    - {interface: eth1, type: external, allowASIn: false}\n'),
    ).toEqual([]);
    expect(
      warningLines(withDropIn('underlay:\n  neighbors:\n    - {address: 10.1.1.1, asn: 64513, allowASIn: true}\n')),
    ).toEqual([]);
    expect(dropInErrors('underlay:\n  neighbors:\n    - {interface: eth1, type: external, allowASIn: "no"}\n')).toEqual(
      ['d.yaml:3:52: underlay.neighbors[1].allowASIn: must be true or false (got a string)'],
    );
  });

  test('turned on for an iBGP session it means nothing: a warning', () => {
    expect(
      warningLines(
        withDropIn(
          'underlay:\n  neighbors:\n    - {address: 10.1.1.1, type: internal, allowASIn: true}\n    - {address: 10.1.1.2, asn: 64514, allowASIn: true}\n',
        ),
      ),
    ).toEqual([
      "d.yaml:3:54: warning: underlay.neighbors[1].allowASIn: has no effect on an iBGP session (it is for eBGP sessions with a ToR, so nodes sharing underlay.asn accept each other's routes)",
      "d.yaml:4:50: warning: underlay.neighbors[2].allowASIn: has no effect on an iBGP session (it is for eBGP sessions with a ToR, so nodes sharing underlay.asn accept each other's routes)",
    ]);
  });
});

describe('l3vnis[].hostSession.hostASN', () => {
  test("equal to the router side's ASN (by default underlay.asn) is refused, pointing at hostType: internal", () => {
    expect(
      dropInErrors(
        'l3vnis:\n  - {vrf: red, vni: 100, hostSession: {hostASN: 64514, localCIDR: {ipv4: 192.169.10.0/24}}}\n',
      ),
    ).toEqual([
      "d.yaml:2:49: l3vnis[0].hostSession.hostASN: 64514 is the router side's own ASN (hostSession.asn, by default underlay.asn): for an iBGP host session write hostType: internal instead",
    ]);
    expect(
      dropInErrors(
        'l3vnis:\n  - {vrf: red, vni: 100, hostSession: {asn: 65001, hostASN: 65001, localCIDR: {ipv4: 192.169.10.0/24}}}\n',
      ),
    ).toEqual([
      "d.yaml:2:61: l3vnis[0].hostSession.hostASN: 65001 is the router side's own ASN (hostSession.asn): for an iBGP host session write hostType: internal instead",
    ]);
  });

  test('hostType: internal, or any other hostASN, is fine', () => {
    expect(
      dropInErrors(
        'l3vnis:\n  - {vrf: red, vni: 100, hostSession: {hostType: internal, localCIDR: {ipv4: 192.169.10.0/24}}}\n',
      ),
    ).toEqual([]);
    expect(
      dropInErrors(
        'l3vnis:\n  - {vrf: red, vni: 100, hostSession: {hostASN: 64515, localCIDR: {ipv4: 192.169.10.0/24}}}\n',
      ),
    ).toEqual([]);
  });
});

import { describe, expect, test } from 'vitest';
import { desiredFor, l2vni, l3vni, nodeConfig } from '../../helpers/config.js';
import type { Config } from '../../../src/config/types.js';

// Which links go without an IPv6 link-local (bridge ports, bridges that do not route) is decided in desiredKernel.
describe('desiredKernel: ipv6LinkLocal', () => {
  const noLinkLocal = (c: Config): string[] =>
    desiredFor(c)
      .links.filter((l) => l.ipv6LinkLocal === false)
      .map((l) => `${l.ns}/${l.name}`);

  test('pure L2VNI with a host bridge holding an IPv4 address: the ports and both bridges go without (nothing routes there over IPv6)', () => {
    const c = nodeConfig({
      l2vnis: [l2vni(110, { hostMaster: { name: 'br-hs-110', managed: true }, hostAddress: '192.170.10.20/24' })],
    });
    expect(noLinkLocal(c).sort()).toEqual([
      'host/br-hs-110',
      'host/host-110',
      'router/br-pe-110',
      'router/pe-110',
      'router/vni110',
    ]);
  });

  test('a host bridge with an IPv6 host address keeps its link-local (NDP and RAs need one)', () => {
    const c = nodeConfig({
      l2vnis: [l2vni(110, { hostMaster: { name: 'br-hs-110', managed: true }, hostAddress: 'fd00:110::20/64' })],
    });
    expect(noLinkLocal(c)).not.toContain('host/br-hs-110');
  });

  test('an L2VNI bridge that routes keeps its link-local: with a gateway IP, or in a VRF (zebra uses the SVI)', () => {
    const withGateway = nodeConfig({ l2vnis: [l2vni(110, { gatewayIPs: ['192.170.10.1/24'] })] });
    expect(noLinkLocal(withGateway)).not.toContain('router/br-pe-110');
    const inVrf = nodeConfig({ l3vnis: [l3vni('red', 100)], l2vnis: [l2vni(110, { l3vni: 'red' })] });
    expect(noLinkLocal(inVrf)).not.toContain('router/br-pe-110');
  });

  test('a host master evpn-node does not manage is not ours to change', () => {
    const c = nodeConfig({
      l2vnis: [l2vni(110, { hostMaster: { name: 'br0', managed: false }, hostAddress: '192.170.10.20/24' })],
    });
    expect(desiredFor(c).links.map((l) => l.name)).not.toContain('br0');
  });

  test('L2VNI without a host master: the host leg (which may carry the host address) keeps its link-local', () => {
    const c = nodeConfig({ l2vnis: [l2vni(110, { hostMaster: undefined, hostAddress: '192.170.10.20/24' })] });
    expect(noLinkLocal(c).sort()).toEqual(['router/br-pe-110', 'router/pe-110', 'router/vni110']);
  });

  test('L3VNI: the VXLAN is a bridge port; the session legs in the VRF keep theirs (IPv6 BGP may use them)', () => {
    const c = nodeConfig({
      l3vnis: [
        l3vni('red', 100, {
          hostSession: { asn: 64514, hostASN: 64515, localCIDR: { ipv4: '192.169.10.0/24', ipv6: 'fd00:10::/64' } },
        }),
      ],
    });
    expect(noLinkLocal(c)).toEqual(['router/vni100']);
  });
});

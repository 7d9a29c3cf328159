import { describe, expect, test } from 'vitest';
import { config, desiredFor, l2, l3 } from './factory.js';

// Which links are pure bridge ports (no IPv6 link-local) is decided in desiredKernel.
describe('desiredKernel: ipv6LinkLocal', () => {
  const noLinkLocal = (c: ReturnType<typeof config>): string[] =>
    desiredFor(c)
      .links.filter((l) => l.ipv6LinkLocal === false)
      .map((l) => `${l.ns}/${l.name}`);

  test('L2VNI with a host bridge: VXLAN, router leg and host leg are pure bridge ports; bridges keep theirs', () => {
    const c = config({ l2vnis: [l2(110, { hostMaster: { name: 'br-hs-110', managed: true }, hostAddress: '192.170.10.20/24' })] });
    expect(noLinkLocal(c).sort()).toEqual(['host/host-110', 'router/pe-110', 'router/vni110']);
  });

  test('L2VNI without a host master: the host leg (which may carry the host address) keeps its link-local', () => {
    const c = config({ l2vnis: [l2(110, { hostMaster: undefined, hostAddress: '192.170.10.20/24' })] });
    expect(noLinkLocal(c).sort()).toEqual(['router/pe-110', 'router/vni110']);
  });

  test('L3VNI: the VXLAN is a bridge port; the session legs in the VRF keep theirs (IPv6 BGP may use them)', () => {
    const c = config({ l3vnis: [l3('red', 100, { hostSession: { asn: 64514, hostASN: 64515, localCIDR: { ipv4: '192.169.10.0/24', ipv6: 'fd00:10::/64' } } })] });
    expect(noLinkLocal(c)).toEqual(['router/vni100']);
  });
});

// `validate --show-derived`: the merged config (passwords redacted) and every derived value.

import { expect, test } from 'vitest';
import { derivedView } from '../../../src/status/derived-view.js';
import { loadConfigTexts, resolveIdentity } from '../../../src/config/load.js';

const text = `node:
  indexFrom: {hostname: '^node-(\\d+)$'}
underlay:
  asn: 64514
  nics: [eth1, {name: eth2.7, vlan: {parent: eth2, id: 7}}]
  vtepCIDR: 100.65.0.0/24
  mtu: 9000
  neighbors:
    - {interface: eth1, type: external, password: hunter2}
    - {interface: eth2.7, type: external}
l3vnis:
  - {vrf: red, vni: 100, hostSession: {hostType: internal, localCIDR: {ipv4: 192.169.10.0/24}}}
l2vnis:
  - {vni: 110, l3vni: red, gatewayIPs: [192.170.10.1/24]}
primary: {l3vni: red}
`;

test('every derived value, with where the index came from; no password', () => {
  const r = resolveIdentity(loadConfigTexts([{ path: 'c.yaml', text }]), { hostname: 'node-7' });
  expect(r.ok).toBe(true);
  const v = derivedView(r.mergedYaml, r.config, r.identity);
  expect(JSON.stringify(v)).not.toContain('hunter2');
  expect(v.config).toMatchObject({
    underlay: { neighbors: [{ password: '<redacted>' }, {}] },
    node: { indexFrom: { hostname: '^node-(\\d+)$' } },
  });
  expect(v.derived).toEqual({
    node: {
      index: 7,
      indexSource: 'hostname "node-7" matching ^node-(\\d+)$',
      vtep: '100.65.0.8',
      routerID: '10.0.0.8',
    },
    underlay: { nics: ['eth1', 'eth2.7 (VLAN 7 on eth2)'], ecmp: true, legMTU: 8950 },
    l3vnis: [
      {
        vrf: 'red',
        vni: 100,
        table: 1100,
        bridge: 'br-pe-100',
        vxlan: 'vni100',
        routerMAC: '06:64:41:00:08:01',
        routerLeg: 'pe-100',
        hostLeg: 'host-100',
        hostSession: { asn: 64514, ipv4: { router: '192.169.10.1/24', host: '192.169.10.9/24' } },
      },
    ],
    l2vnis: [
      {
        vni: 110,
        bridge: 'br-pe-110',
        vxlan: 'vni110',
        routerLeg: 'pe-110',
        hostLeg: 'host-110',
        gatewayMAC: '02:65:76:00:00:6e',
        vrf: 'red',
      },
    ],
    primary: { dev: 'host-100', nodeIPv4: '192.169.10.9', gatewayV4: '192.169.10.1' },
    kubeletEnv: [
      'NODE_IP=192.169.10.9',
      'NODE_IPS=192.169.10.9',
      'KUBELET_NODE_IP=192.169.10.9',
      'KUBELET_NODE_IPS=192.169.10.9',
    ],
  });
});

test('no index (offline, or not derivable here): the merged config only', () => {
  const r = resolveIdentity(loadConfigTexts([{ path: 'c.yaml', text }]), { hostname: 'worker-7' });
  expect(derivedView(r.mergedYaml, r.config, r.identity).derived).toBeUndefined();
});

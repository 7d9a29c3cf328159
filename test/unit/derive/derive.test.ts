import { describe, expect, test } from 'vitest';
import {
  deriveNode,
  gatewayMac,
  kubeletEnv,
  routerMac,
  sessionAddrs,
  tableForVni,
  vtepFor,
} from '../../../src/config/derive.js';
import { desiredKernel } from '../../../src/kernel/desired.js';
import {
  parseName,
  bridgeName,
  vxlanName,
  routerLegName,
  hostLegName,
  hostBridgeName,
} from '../../../src/model/names.js';
import type { Config } from '../../../src/config/types.js';
import { nodeConfig } from '../../helpers/config.js';

const base = (over: Partial<Config> = {}): Config => nodeConfig(over);

const red = {
  vrf: 'red',
  vni: 100,
  table: tableForVni(100),
  vxlanPort: 4789,
  importRTs: [],
  exportRTs: [],
  hostSession: { asn: 64514, hostASN: 64515, localCIDR: { ipv4: '192.169.10.0/24', ipv6: 'fd00:10::/64' } },
};

describe('per-node values (SPEC examples)', () => {
  test('VTEP and router-id = first usable + index', () => {
    const d = deriveNode(base());
    expect(d.vtep).toBe('100.65.0.4');
    expect(d.routerId).toBe('10.0.0.4');
  });

  test('explicit vtepIP/routerID win', () => {
    const d = deriveNode(base({ node: { index: 3, vtepIP: '100.65.9.9', routerID: '10.9.9.9' } }));
    expect([d.vtep, d.routerId]).toEqual(['100.65.9.9', '10.9.9.9']);
  });

  test('host session: router side first usable, host side first usable + 1 + index', () => {
    expect(sessionAddrs('192.169.10.0/24', 3)).toEqual({ router: '192.169.10.1/24', host: '192.169.10.5/24' });
    expect(sessionAddrs('fd00:10::/64', 0)).toEqual({ router: 'fd00:10::1/64', host: 'fd00:10::2/64' });
    expect(sessionAddrs('192.169.10.0/30', 1)).toBeUndefined();
  });

  test('an index that does not fit gives undefined (validation reports it)', () => {
    expect(vtepFor({ node: { index: 300 }, underlay: base().underlay })).toBeUndefined();
  });

  test('tables are deterministic and clear of reserved ones', () => {
    expect(tableForVni(100)).toBe(1100);
    expect(tableForVni(1)).toBeGreaterThan(255);
  });

  test('MACs: router MAC per node, gateway MAC per VNI, both locally administered unicast', () => {
    expect(routerMac('100.65.0.4')).toBe('06:64:41:00:04:01');
    expect(gatewayMac(110)).toBe('02:65:76:00:00:6e');
    for (const mac of [routerMac('1.2.3.4'), gatewayMac(16777215)]) {
      const first = parseInt(mac.slice(0, 2), 16);
      expect(first & 0b10).toBe(0b10);
      expect(first & 0b01).toBe(0);
    }
  });

  test('primary on an L3VNI: node IP = host side, gateway = router side', () => {
    const d = deriveNode(base({ l3vnis: [red], primary: { l3vni: 'red', defaultRoute: true } }));
    expect(d.primary).toEqual({
      dev: 'host-100',
      nodeIPv4: '192.169.10.5',
      gatewayV4: '192.169.10.1',
      nodeIPv6: 'fd00:10::5',
      gatewayV6: 'fd00:10::1',
    });
    expect(kubeletEnv(d)).toBe(
      'NODE_IP=192.169.10.5\nNODE_IPV6=fd00:10::5\nNODE_IPS=192.169.10.5,fd00:10::5\nKUBELET_NODE_IP=192.169.10.5\nKUBELET_NODE_IPS=192.169.10.5,fd00:10::5\n',
    );
  });

  test('primary on an L2VNI: node IP = hostAddress, gateway = first gatewayIP of that family', () => {
    const l2 = {
      vni: 110,
      l3vni: 'red',
      gatewayIPs: ['fd00:170::1/64', '192.170.10.1/24'],
      hostMaster: { name: 'br-hs-110', managed: true },
      hostAddress: '192.170.10.20/24',
      vxlanPort: 4789,
      importRTs: [],
      exportRTs: [],
    };
    const d = deriveNode(base({ l3vnis: [red], l2vnis: [l2], primary: { l2vni: 110, defaultRoute: true } }));
    expect(d.primary).toEqual({ dev: 'br-hs-110', nodeIPv4: '192.170.10.20', gatewayV4: '192.170.10.1' });
  });
});

describe('names', () => {
  test('both ways', () => {
    for (const [fn, role] of [
      [bridgeName, 'bridge'],
      [vxlanName, 'vxlan'],
      [routerLegName, 'router-leg'],
      [hostLegName, 'host-leg'],
      [hostBridgeName, 'host-bridge'],
    ] as const) {
      expect(parseName(fn(16777215))).toEqual({ role, vni: 16777215 });
      expect(fn(16777215).length).toBeLessThanOrEqual(15);
    }
  });
  test('names we never generate parse to nothing', () => {
    for (const n of ['eth0', 'br-pe-', 'vni', 'vni007', 'br-pe-12a', 'host-x', 'lo'])
      expect(parseName(n)).toBeUndefined();
  });
});

describe('desired kernel objects', () => {
  test('L3VNI: VRF, bridge in the VRF with the router MAC, VXLAN with EVPN port flags, veth legs with the session addresses', () => {
    const c = base({ l3vnis: [red], underlay: { ...base().underlay, mtu: 9000 } });
    const k = desiredKernel(c, deriveNode(c));
    expect(k.links).toEqual([
      { ns: 'router', name: 'red', kind: 'vrf', vrf: { table: 1100 } },
      { ns: 'router', name: 'br-pe-100', kind: 'bridge', master: 'red', mac: '06:64:41:00:04:01' },
      {
        ns: 'router',
        name: 'vni100',
        kind: 'vxlan',
        master: 'br-pe-100',
        vxlan: { vni: 100, local: '100.65.0.4', port: 4789 },
        bridgePort: { neighSuppress: true, learning: false },
        ipv6LinkLocal: false,
        mtu: 8950,
      },
      { ns: 'host', name: 'host-100', kind: 'veth', veth: { peer: 'pe-100', peerNs: 'router' }, mtu: 8950 },
      {
        ns: 'router',
        name: 'pe-100',
        kind: 'veth',
        veth: { peer: 'host-100', peerNs: 'host' },
        mtu: 8950,
        master: 'red',
      },
    ]);
    expect(k.addrs).toContainEqual({ ns: 'router', dev: 'pe-100', cidr: '192.169.10.1/24' });
    expect(k.addrs).toContainEqual({ ns: 'host', dev: 'host-100', cidr: '192.169.10.5/24' });
    expect(k.addrs).toContainEqual({ ns: 'router', dev: 'lo', cidr: '100.65.0.4/32', label: 'lo:evpn' });
    expect(k.rules).toEqual([
      { family: 4, pref: 32765, table: 'local' },
      { family: 6, pref: 32765, table: 'local' },
    ]);
  });

  test('L2VNI with a managed host bridge and a host address; no VRF means no rule change', () => {
    const c = base({
      l2vnis: [
        {
          vni: 110,
          gatewayIPs: [],
          hostMaster: { name: 'br-hs-110', managed: true },
          hostAddress: '192.170.10.20/24',
          vxlanPort: 4789,
          importRTs: [],
          exportRTs: [],
        },
      ],
      primary: { l2vni: 110, defaultRoute: false },
    });
    const k = desiredKernel(c, deriveNode(c));
    expect(k.links.map((l) => `${l.ns}/${l.name}/${l.kind}/${l.master ?? '-'}`)).toEqual([
      'router/br-pe-110/bridge/-',
      'router/vni110/vxlan/br-pe-110',
      'host/br-hs-110/bridge/-',
      'host/host-110/veth/br-hs-110',
      'router/pe-110/veth/br-pe-110',
    ]);
    expect(k.addrs).toContainEqual({ ns: 'host', dev: 'br-hs-110', cidr: '192.170.10.20/24' });
    expect(k.routes).toEqual([]);
    expect(k.rules).toEqual([]);
  });

  test('primary default route via the router leg, both families', () => {
    const c = base({ l3vnis: [red], primary: { l3vni: 'red', defaultRoute: true } });
    expect(desiredKernel(c, deriveNode(c)).routes).toEqual([
      { ns: 'host', dst: 'default', family: 4, via: '192.169.10.1', dev: 'host-100' },
      { ns: 'host', dst: 'default', family: 6, via: 'fd00:10::1', dev: 'host-100' },
    ]);
  });
});

// Typed Config objects for kernel tests (defaults applied by hand, as the loader would).

import type { Config, L2VniConfig, L3VniConfig } from '../../../src/config/types.js';
import { deriveNode } from '../../../src/config/derive.js';
import { desiredKernel } from '../../../src/kernel/desired.js';
import type { DesiredKernel } from '../../../src/model/desired.js';

export function l2(vni: number, extra: Partial<L2VniConfig> = {}): L2VniConfig {
  return { vni, gatewayIPs: [], vxlanPort: 4789, importRTs: [], exportRTs: [], hostMaster: { name: `br-hs-${vni}`, managed: true }, ...extra };
}

export function l3(vrf: string, vni: number, extra: Partial<L3VniConfig> = {}): L3VniConfig {
  return { vrf, vni, table: 1000 + vni, vxlanPort: 4789, importRTs: [], exportRTs: [], ...extra };
}

export function config(over: Partial<Config> = {}, underlay: Partial<Config['underlay']> = {}): Config {
  return {
    node: { index: 3 },
    underlay: { asn: 64514, nic: 'eth1', vtepCIDR: '100.65.0.0/24', routerIDCIDR: '10.0.0.0/24', neighbors: [{ address: '192.168.11.2', asn: 64512 }], ...underlay },
    l3vnis: [],
    l2vnis: [],
    frr: { logLevel: 'informational' },
    readiness: { underlayEstablished: true, timeoutSeconds: 300 },
    runtime: { netns: 'evpn-node', pidFile: '/run/evpn-node/frr.pid', frrConfigDir: '/var/lib/evpn-node/frr', reloaderSocket: '/run/evpn-node/reloader.sock', stateDir: '/var/lib/evpn-node', runDir: '/run/evpn-node' },
    ...over,
  };
}

export const desiredFor = (c: Config): DesiredKernel => desiredKernel(c, deriveNode(c));

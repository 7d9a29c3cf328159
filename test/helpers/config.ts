// Typed Config objects for tests that exercise one layer on its own (derive, plan, render), with
// the loader's defaults applied — one factory for every such test, built on the real defaults.

import type { Config, L2VniConfig, L3VniConfig, NeighborConfig } from '../../src/config/types.js';
import { DEFAULT_FRR_LOG_LEVEL, DEFAULT_READINESS, DEFAULT_RUNTIME, DEFAULT_ROUTER_ID_CIDR, DEFAULT_VXLAN_PORT, tableForVni } from '../../src/config/defaults.js';

export const TOR = '192.168.11.2';

/** Node index 3, AS 64514 on eth1, VTEPs from 100.65.0.0/24, one ToR neighbor unless `neighbors` says otherwise. */
export function nodeConfig(over: Partial<Omit<Config, 'underlay'>> & { neighbors?: NeighborConfig[]; underlay?: Partial<Config['underlay']> } = {}): Config {
  const { neighbors, underlay, ...rest } = over;
  return {
    node: { index: 3 },
    underlay: {
      asn: 64514,
      nics: [{ name: 'eth1' }],
      vtepCIDR: '100.65.0.0/24',
      routerIDCIDR: DEFAULT_ROUTER_ID_CIDR,
      neighbors: neighbors ?? [{ address: TOR, asn: 64512 }],
      ...underlay,
    },
    l3vnis: [],
    l2vnis: [],
    frr: { logLevel: DEFAULT_FRR_LOG_LEVEL },
    readiness: { ...DEFAULT_READINESS },
    runtime: { ...DEFAULT_RUNTIME },
    ...rest,
  };
}

export function l3vni(vrf: string, vni: number, over: Partial<L3VniConfig> = {}): L3VniConfig {
  return { vrf, vni, table: tableForVni(vni), vxlanPort: DEFAULT_VXLAN_PORT, importRTs: [], exportRTs: [], ...over };
}

/** An L2VNI with a managed host bridge br-hs-<vni>. */
export function l2vni(vni: number, over: Partial<L2VniConfig> = {}): L2VniConfig {
  return { vni, gatewayIPs: [], vxlanPort: DEFAULT_VXLAN_PORT, importRTs: [], exportRTs: [], hostMaster: { name: `br-hs-${vni}`, managed: true }, ...over };
}

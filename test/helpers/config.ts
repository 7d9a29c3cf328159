// The one test config factory. BASE_YAML is the node every test starts from, written once, the
// way a user writes it: the config unit tests load it (with a drop-in), the fabric tests extend it
// into their node's config.yaml, and nodeConfig() is the same node as a typed Config, loaded
// through the real loader (so with the real defaults) for tests of one layer on its own (derive,
// plan, render), with overrides on top.

import type { Config, L2VniConfig, L3VniConfig, NeighborConfig } from '../../src/config/types.js';
import { DEFAULT_VXLAN_PORT, tableForVni } from '../../src/config/defaults.js';
import { formatIssue } from '../../src/config/errors.js';
import { loadConfigTexts } from '../../src/config/load.js';
import { deriveNode } from '../../src/config/derive.js';
import { desiredKernel } from '../../src/kernel/desired.js';
import type { DesiredKernel } from '../../src/model/desired.js';

/** The ToR the base node peers with (the fabric's leaf). */
export const TOR = '192.168.11.2';

/** Node index 3, AS 64514 on eth1, VTEPs from 100.65.0.0/24, one ToR neighbor (AS 64512). */
export const BASE_YAML = `node:
  index: 3
underlay:
  asn: 64514
  nic: eth1
  vtepCIDR: 100.65.0.0/24
  neighbors:
    - address: ${TOR}
      asn: 64512
`;

/** BASE_YAML as a typed Config, defaults applied by the loader. */
function baseConfig(): Config {
  const r = loadConfigTexts([{ path: 'config.yaml', text: BASE_YAML }]);
  if (!r.config || r.issues.length)
    throw new Error(`BASE_YAML does not load:\n${r.issues.map(formatIssue).join('\n')}`);
  return r.config;
}

/** The base node with overrides; `neighbors` and `underlay` merge into the underlay block. */
export function nodeConfig(
  over: Partial<Omit<Config, 'underlay'>> & {
    neighbors?: NeighborConfig[];
    underlay?: Partial<Config['underlay']>;
  } = {},
): Config {
  const { neighbors, underlay, ...rest } = over;
  const base = baseConfig();
  const u: Config['underlay'] = { ...base.underlay, ...(neighbors ? { neighbors } : {}), ...underlay };
  // NICs given as a list replace the base's `nic: eth1` shorthand, as in a config written with `nics:`.
  if (underlay?.nics) {
    delete u.nic;
    delete u.vlan;
  }
  return { ...base, underlay: u, ...rest };
}

export function l3vni(vrf: string, vni: number, over: Partial<L3VniConfig> = {}): L3VniConfig {
  return { vrf, vni, table: tableForVni(vni), vxlanPort: DEFAULT_VXLAN_PORT, importRTs: [], exportRTs: [], ...over };
}

/** An L2VNI with a managed host bridge br-hs-<vni>. */
export function l2vni(vni: number, over: Partial<L2VniConfig> = {}): L2VniConfig {
  return {
    vni,
    gatewayIPs: [],
    vxlanPort: DEFAULT_VXLAN_PORT,
    importRTs: [],
    exportRTs: [],
    hostMaster: { name: `br-hs-${vni}`, managed: true },
    ...over,
  };
}

/** The kernel objects a config asks for (derive, then desired): what the planner plans towards. */
export const desiredFor = (c: Config): DesiredKernel => desiredKernel(c, deriveNode(c));

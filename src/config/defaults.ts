// Defaults of every optional field, applied after structural validation. The JSON Schema shows
// the static ones (schema.ts imports these constants), the computed ones are described there.

import { DEFAULT_ROUTER_ID_CIDR, DEFAULT_VXLAN_PORT, tableForVni } from './derive.js';
import type {
  Config,
  FrrLogLevel,
  HostSessionConfig,
  L2VniConfig,
  L3VniConfig,
  MetricsConfig,
  NeighborConfig,
  ReadinessConfig,
  RuntimeConfig,
  UnderlayNicConfig,
  VlanConfig,
} from './types.js';

export { DEFAULT_ROUTER_ID_CIDR, DEFAULT_VXLAN_PORT, tableForVni };

export const DEFAULT_FRR_LOG_LEVEL: FrrLogLevel = 'informational';
export const DEFAULT_PRIMARY_DEFAULT_ROUTE = true;
/** Safe default: evpn-node never creates or touches a user's bridge unless asked. */
export const DEFAULT_HOST_MASTER_MANAGED = false;

export const DEFAULT_READINESS: Readonly<ReadinessConfig> = Object.freeze({
  underlayEstablished: true,
  timeoutSeconds: 300,
});

export const DEFAULT_RUNTIME: Readonly<RuntimeConfig> = Object.freeze({
  netns: 'evpn-node',
  pidFile: '/run/evpn-node/frr.pid',
  frrConfigDir: '/var/lib/evpn-node/frr',
  reloaderSocket: '/run/evpn-node/reloader.sock',
  stateDir: '/var/lib/evpn-node',
  runDir: '/run/evpn-node',
});

type Raw = Record<string, unknown>;
const map = (v: unknown): Raw => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Raw) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** Defined entries only: a key whose value was refused stays absent rather than `undefined`. */
const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/**
 * The typed config with defaults, from a structurally validated plain value. Required fields
 * that were refused stay absent (the caller only hands out a Config when there were no errors).
 */
export function applyDefaults(raw: unknown): Config {
  const r = map(raw);
  const node = map(r.node);
  const u = map(r.underlay);
  const underlayAsn = u.asn as number;
  const primary = r.primary === undefined ? undefined : map(r.primary);
  return defined({
    node: defined({ ...node }),
    underlay: defined({
      ...u,
      nics: underlayNics(u),
      routerIDCIDR: (u.routerIDCIDR as string | undefined) ?? DEFAULT_ROUTER_ID_CIDR,
      neighbors: list(u.neighbors).map((n) => defined({ ...map(n) }) as NeighborConfig),
    }) as Config['underlay'],
    l3vnis: list(r.l3vnis).map((v) => l3vni(map(v), underlayAsn)),
    l2vnis: list(r.l2vnis).map((v) => l2vni(map(v))),
    primary: primary && defined({ defaultRoute: DEFAULT_PRIMARY_DEFAULT_ROUTE, ...primary }),
    frr: defined({ logLevel: DEFAULT_FRR_LOG_LEVEL, ...map(r.frr) }),
    readiness: { ...DEFAULT_READINESS, ...map(r.readiness) },
    metrics: r.metrics === undefined ? undefined : (defined({ ...map(r.metrics) }) as MetricsConfig),
    runtime: { ...DEFAULT_RUNTIME, ...map(r.runtime) },
  });
}

/** `nics` with every item as a map; the `nic` (+ `vlan`) shorthand as a list of one. */
function underlayNics(u: Raw): UnderlayNicConfig[] {
  if (typeof u.nic === 'string')
    return [defined({ name: u.nic, vlan: u.vlan === undefined ? undefined : (map(u.vlan) as unknown as VlanConfig) })];
  return list(u.nics).flatMap((n) => {
    if (typeof n === 'string') return [{ name: n }];
    const m = map(n);
    // An item refused by the structural pass has no name: it is left out (the error says why).
    return typeof m.name === 'string' ? [defined({ ...m }) as unknown as UnderlayNicConfig] : [];
  });
}

function l3vni(v: Raw, underlayAsn: number): L3VniConfig {
  const hs = v.hostSession === undefined ? undefined : map(v.hostSession);
  return defined({
    ...v,
    table: (v.table as number | undefined) ?? (typeof v.vni === 'number' ? tableForVni(v.vni) : undefined),
    vxlanPort: (v.vxlanPort as number | undefined) ?? DEFAULT_VXLAN_PORT,
    importRTs: list(v.importRTs) as string[],
    exportRTs: list(v.exportRTs) as string[],
    hostSession: hs && (defined({ asn: underlayAsn, ...hs, localCIDR: map(hs.localCIDR) }) as HostSessionConfig),
  }) as L3VniConfig;
}

function l2vni(v: Raw): L2VniConfig {
  const hm = v.hostMaster === undefined ? undefined : map(v.hostMaster);
  return defined({
    ...v,
    gatewayIPs: list(v.gatewayIPs) as string[],
    vxlanPort: (v.vxlanPort as number | undefined) ?? DEFAULT_VXLAN_PORT,
    importRTs: list(v.importRTs) as string[],
    exportRTs: list(v.exportRTs) as string[],
    hostMaster: hm && defined({ managed: DEFAULT_HOST_MASTER_MANAGED, ...hm }),
  }) as L2VniConfig;
}

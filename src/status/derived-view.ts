// Pure: what `validate --show-derived` prints: the merged config (passwords redacted) and every
// value this node derives from it (index and where it came from, VTEP, router-id, NICs, names,
// tables, MACs, host-session addresses, the primary interface, kubelet.env).

import { parse } from 'yaml';
import { REDACTED, redactFrrText } from '../frr/redact.js';
import { deriveNode, kubeletEnv } from '../config/derive.js';
import type { Config } from '../config/types.js';

export interface DerivedView {
  /** The merged config document as the files say it (passwords as <redacted>). */
  config: unknown;
  /** Values derived on this node; absent when the index is not known (offline, or not derivable). */
  derived?: Record<string, unknown>;
}

export function derivedView(
  mergedYaml: string,
  config: Config | undefined,
  identity?: { index: number; from: string },
): DerivedView {
  const merged = redactPasswords(parse(mergedYaml || '{}') as unknown);
  if (!config || config.node.index === undefined) return { config: merged };
  const d = deriveNode(config);
  const env = kubeletEnv(d);
  const derived: Record<string, unknown> = {
    node: {
      index: config.node.index,
      indexSource: identity ? identity.from : 'node.index',
      vtep: d.vtep,
      routerID: d.routerId,
    },
    underlay: {
      nics: config.underlay.nics.map((n) => (n.vlan ? `${n.name} (VLAN ${n.vlan.id} on ${n.vlan.parent})` : n.name)),
      ecmp: d.ecmp,
      ...(d.legMtu !== undefined ? { legMTU: d.legMtu } : {}),
    },
    l3vnis: d.l3.map((l3) => ({
      vrf: l3.cfg.vrf,
      vni: l3.cfg.vni,
      table: l3.cfg.table,
      bridge: l3.bridge,
      vxlan: l3.vxlan,
      routerMAC: l3.routerMac,
      ...(l3.cfg.hostSession
        ? {
            routerLeg: l3.routerLeg,
            hostLeg: l3.hostLeg,
            hostSession: {
              asn: l3.cfg.hostSession.asn,
              ...(l3.v4 ? { ipv4: l3.v4 } : {}),
              ...(l3.v6 ? { ipv6: l3.v6 } : {}),
            },
          }
        : {}),
    })),
    l2vnis: d.l2.map((l2) => ({
      vni: l2.cfg.vni,
      bridge: l2.bridge,
      vxlan: l2.vxlan,
      routerLeg: l2.routerLeg,
      hostLeg: l2.hostLeg,
      gatewayMAC: l2.gatewayMac,
      ...(l2.vrf ? { vrf: l2.vrf } : {}),
      ...(l2.cfg.hostMaster ? { hostMaster: l2.cfg.hostMaster.name } : {}),
    })),
    ...(d.primary ? { primary: { ...d.primary } } : {}),
    ...(env ? { kubeletEnv: env.trimEnd().split('\n') } : {}),
  };
  return { config: merged, derived };
}

/**
 * The merged document with every neighbor password replaced (passwordFile paths are not secret),
 * and the `password` lines of frr.rawConfig.
 */
function redactPasswords(doc: unknown): unknown {
  const frr = (doc as { frr?: { rawConfig?: unknown } } | null)?.frr;
  if (frr && typeof frr.rawConfig === 'string') frr.rawConfig = redactFrrText(frr.rawConfig);
  const u = (doc as { underlay?: { neighbors?: unknown } } | null)?.underlay;
  if (!u || !Array.isArray(u.neighbors)) return doc;
  for (const n of u.neighbors as Array<Record<string, unknown> | null>)
    if (n && typeof n === 'object' && 'password' in n) n.password = REDACTED;
  return doc;
}

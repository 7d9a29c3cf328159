// Pure: BFD peers and VNI states out of FRR's JSON (fetched through the reloader), shaped for
// the metrics. Anything unexpected is skipped, never thrown on: a metric pass must not fail
// because one FRR version words a field differently.

import type { Config } from '../config/types.js';

export interface BfdPeer {
  /** The peer's address, or the interface for a link-local (BGP unnumbered) peer. */
  peer: string;
  up: boolean;
}

export interface ExpectedVni {
  vni: number;
  type: 'l3' | 'l2';
  /** The VRF of an L3VNI, the l3vni of an L2VNI; '' for a pure L2VNI. */
  vrf: string;
}

export interface VniState extends ExpectedVni {
  up: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** `show bfd peers json`: an array of sessions, `status` "up" | "down" | "init" | "shutdown". */
export function bfdPeers(json: unknown): BfdPeer[] {
  if (!Array.isArray(json)) return [];
  const out: BfdPeer[] = [];
  for (const p of json) {
    if (!isObj(p)) continue;
    const addr = str(p.peer);
    if (!addr) continue;
    // Unnumbered sessions run to the neighbour's link-local address: name them by interface, as
    // FRR names the BGP session (evpn_node_bgp_session_up{peer="eth1"}).
    const iface = str(p.interface);
    const peer = iface && addr.toLowerCase().startsWith('fe80:') ? iface : addr;
    out.push({ peer, up: p.status === 'up' });
  }
  return out;
}

/** The VNIs a config asks FRR to run. */
export function expectedVnis(c: Pick<Config, 'l3vnis' | 'l2vnis'>): ExpectedVni[] {
  return [
    ...c.l3vnis.map((v) => ({ vni: v.vni, type: 'l3' as const, vrf: v.vrf })),
    ...c.l2vnis.map((v) => ({ vni: v.vni, type: 'l2' as const, vrf: v.l3vni ?? '' })),
  ];
}

/**
 * Each configured VNI against `show evpn vni json` (an object keyed by VNI): up when FRR runs it
 * as configured, an L3VNI as "L3" in its VRF (FRR can hold one as L2 after a start race, see
 * frr/vni-check.ts), an L2VNI as "L2". Missing from FRR: down.
 */
export function vniStates(expected: readonly ExpectedVni[], showEvpnVni: unknown): VniState[] {
  const byVni = isObj(showEvpnVni) ? showEvpnVni : {};
  return expected.map((e) => {
    const seen = byVni[String(e.vni)];
    if (!isObj(seen)) return { ...e, up: false };
    const typeOk = seen.type === (e.type === 'l3' ? 'L3' : 'L2');
    const vrf = str(seen.tenantVrf) ?? str(seen.vrf);
    const vrfOk = e.type === 'l2' || vrf === undefined || vrf === e.vrf;
    return { ...e, up: typeOk && vrfOk };
  });
}

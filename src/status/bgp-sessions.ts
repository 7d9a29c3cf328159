// Pure: BGP sessions out of the reloader's GET /bgp answer (vtysh JSON), and the underlay check
// that `health` and `try --auto-confirm-when-ready` share.

export interface BgpSession {
  /** 'default' or the VRF name. */
  vrf: string;
  afi: 'ipv4' | 'evpn';
  /** The peer's address, or the interface name for BGP unnumbered. */
  peer: string;
  state: string;
  remoteAs?: number;
  /** FRR's "00:01:02" (or "never"). */
  uptime?: string;
  pfxRcd?: number;
  pfxSnt?: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * `{ipv4: {<vrf>: {peers}}, evpn: {peers}}` → one row per (vrf, afi, peer), in FRR's order.
 * Anything unexpected in the JSON is skipped, never thrown on: status must print what it can.
 */
export function bgpSessions(bgp: unknown): BgpSession[] {
  if (!isObj(bgp)) return [];
  const out: BgpSession[] = [];
  if (isObj(bgp.ipv4)) {
    for (const [vrf, summary] of Object.entries(bgp.ipv4)) {
      if (isObj(summary)) out.push(...peersOf(summary, vrf, 'ipv4'));
    }
  }
  if (isObj(bgp.evpn)) out.push(...peersOf(bgp.evpn, str(bgp.evpn.vrfName) ?? 'default', 'evpn'));
  return out;
}

function peersOf(summary: Obj, vrf: string, afi: BgpSession['afi']): BgpSession[] {
  if (!isObj(summary.peers)) return [];
  return Object.entries(summary.peers).flatMap(([peer, p]) => {
    if (!isObj(p)) return [];
    const s: BgpSession = { vrf, afi, peer, state: str(p.state) ?? 'unknown' };
    const remoteAs = num(p.remoteAs);
    const uptime = str(p.peerUptime);
    const pfxRcd = num(p.pfxRcd);
    const pfxSnt = num(p.pfxSnt);
    if (remoteAs !== undefined) s.remoteAs = remoteAs;
    if (uptime !== undefined) s.uptime = uptime;
    if (pfxRcd !== undefined) s.pfxRcd = pfxRcd;
    if (pfxSnt !== undefined) s.pfxSnt = pfxSnt;
    return [s];
  });
}

export interface UnderlayVerdict {
  established: boolean;
  /** One line for the operator: which peer is up, or which are not and in what state. */
  reason: string;
}

/**
 * Any session of the default VRF (IPv4 unicast or EVPN) Established: that is "the node has a
 * ToR", the readiness.underlayEstablished condition. The default VRF holds only underlay
 * neighbors (host sessions live in the L3VNI VRFs); the daemon's READY uses the same rule.
 */
export function underlayVerdict(sessions: readonly BgpSession[]): UnderlayVerdict {
  const underlay = sessions.filter((s) => s.vrf === 'default');
  if (underlay.length === 0) return { established: false, reason: 'FRR has no underlay BGP session configured' };
  const up = underlay.find((s) => s.state === 'Established');
  if (up) return { established: true, reason: `underlay BGP session with ${up.peer} is Established${up.uptime ? ` (up ${up.uptime})` : ''}` };
  const states = [...new Set(underlay.map((s) => `${s.peer} ${s.state}`))];
  return { established: false, reason: `no underlay BGP session is Established (${states.join(', ')})` };
}

// Pure: BGP sessions out of the reloader's GET /bgp answer (vtysh JSON), and the underlay check
// that `health` and `try --auto-confirm-when-ready` share.

export interface BgpSession {
  /** 'default' or the VRF name. */
  vrf: string;
  afi: 'ipv4' | 'evpn';
  /** The peer's address, or the interface name for BGP unnumbered. */
  peer: string;
  state: string;
  /** FRR's per-family word: 'OK', or 'NoNeg' when the peer did not negotiate this family. */
  peerState?: string;
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
    const peerState = str(p.peerState);
    if (peerState !== undefined) s.peerState = peerState;
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

/** The families every underlay session carries (build.ts activates each neighbor in both). */
const UNDERLAY_FAMILIES = [
  { afi: 'ipv4', name: 'IPv4 unicast' },
  { afi: 'evpn', name: 'EVPN' },
] as const;

/** Established, and this family negotiated on it. */
const upIn = (s: BgpSession): boolean => s.state === 'Established' && s.peerState !== 'NoNeg';

/**
 * At least one underlay session Established in each family (IPv4 unicast carries the VTEPs,
 * EVPN the overlay: a node needs both), the readiness.underlayEstablished condition. With
 * several ToRs one of them is enough: the node works on one ToR, and a ToR in maintenance must
 * not keep a rebooting node from READY. The default VRF holds only underlay neighbors (host
 * sessions live in the L3VNI VRFs); the daemon's READY, `health` and `try` use this one rule.
 */
export function underlayVerdict(sessions: readonly BgpSession[]): UnderlayVerdict {
  const underlay = sessions.filter((s) => s.vrf === 'default');
  if (underlay.length === 0) return { established: false, reason: 'FRR has no underlay BGP session configured' };
  const up = UNDERLAY_FAMILIES.map((f) => ({ ...f, session: underlay.find((s) => s.afi === f.afi && upIn(s)) }));
  const missing = up.filter((f) => !f.session);
  if (missing.length === 0) {
    const peers = [...new Set(up.map((f) => f.session?.peer))];
    const first = up[0]?.session;
    if (peers.length === 1 && first)
      return {
        established: true,
        reason: `underlay BGP session with ${first.peer} is Established${first.uptime ? ` (up ${first.uptime})` : ''}`,
      };
    return {
      established: true,
      reason: `underlay BGP sessions Established: ${up.map((f) => `${f.name} with ${f.session?.peer}`).join(', ')}`,
    };
  }
  const states = [
    ...new Set(
      underlay
        .filter((s) => missing.some((f) => f.afi === s.afi))
        .map((s) => `${s.peer} ${s.peerState === 'NoNeg' && s.state === 'Established' ? 'not negotiated' : s.state}`),
    ),
  ];
  const where = missing.length === UNDERLAY_FAMILIES.length ? '' : ` in ${missing.map((f) => f.name).join(' and ')}`;
  return {
    established: false,
    reason: `no underlay BGP session is Established${where} (${states.length ? states.join(', ') : 'none configured'})`,
  };
}

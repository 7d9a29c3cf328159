// Readiness: the node is ready for kubelet once the first converge succeeded and, when
// readiness.underlayEstablished is on, a BGP session with a ToR is Established.

import type { ReloaderClient } from '../frr/reload-client.js';

type Peers = Record<string, { state?: unknown } | undefined>;

/**
 * Pure: true when any underlay peer in the reloader's /bgp answer is Established — the default
 * VRF's IPv4 unicast peers or the L2VPN EVPN peers (both are sessions with the fabric).
 */
export function underlayEstablished(bgp: unknown): boolean {
  const b = bgp as { ipv4?: { default?: { peers?: Peers } }; evpn?: { peers?: Peers } } | null | undefined;
  const peers = [b?.ipv4?.default?.peers, b?.evpn?.peers];
  return peers.some((p) => p !== undefined && p !== null && Object.values(p).some((x) => x?.state === 'Established'));
}

/** Ask FRR through the reloader; an unreachable reloader counts as "not yet". */
export async function checkUnderlay(client: Pick<ReloaderClient, 'bgp'>): Promise<boolean> {
  try {
    return underlayEstablished(await client.bgp());
  } catch {
    return false;
  }
}

// Readiness: the node is ready for kubelet once the first converge succeeded and, when
// readiness.underlayEstablished is on, at least one underlay session per family (IPv4 unicast,
// EVPN) is Established: one ToR of several is enough.

import type { ReloaderClient } from '../frr/reload-client.js';
import { bgpSessions, underlayVerdict } from '../status/bgp-sessions.js';

/**
 * Pure: true when the reloader's /bgp answer has an underlay session Established in every
 * underlay family (IPv4 unicast and EVPN): the rule `health` and `try` apply too.
 */
export function underlayEstablished(bgp: unknown): boolean {
  return underlayVerdict(bgpSessions(bgp)).established;
}

/** Ask FRR through the reloader; an unreachable reloader counts as "not yet". */
export async function checkUnderlay(client: Pick<ReloaderClient, 'bgp'>): Promise<boolean> {
  try {
    return underlayEstablished(await client.bgp());
  } catch {
    return false;
  }
}

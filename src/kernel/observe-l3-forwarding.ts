// IO: the FDB of an L3VNI's VXLAN device, the neighbours of its SVI and the routes of its VRF's
// table, as the kernel lists them (JSON, unparsed: frr/rmac-check.ts compares them with zebra's
// router MACs). Small dumps of two devices and one table, not the netns' whole FDB: an L2VNI's
// MACs can be many.

import type { NsRef, Runner } from './runner.js';

export interface L3ForwardingDump {
  /** `bridge -j fdb show dev VXLAN`. */
  fdb: unknown;
  /** `ip -j neigh show dev SVI`. */
  neighbours: unknown;
  /** `ip -j route show table T` and `ip -6 -j route show table T`, one list. */
  routes: unknown[];
}

export async function observeL3Forwarding(
  runner: Runner,
  ns: NsRef,
  devices: { vxlan: string; svi: string; table: number },
): Promise<L3ForwardingDump> {
  const table = String(devices.table);
  const [fdb, neigh, routes4, routes6] = await Promise.all([
    runner.exec(ns, 'bridge', ['-j', 'fdb', 'show', 'dev', devices.vxlan]),
    runner.ip(ns, ['-j', 'neigh', 'show', 'dev', devices.svi]),
    runner.ip(ns, ['-j', 'route', 'show', 'table', table]),
    runner.ip(ns, ['-6', '-j', 'route', 'show', 'table', table]),
  ]);
  return {
    fdb: jsonOf(fdb, `bridge fdb show dev ${devices.vxlan}`),
    neighbours: jsonOf(neigh, `ip neigh show dev ${devices.svi}`),
    routes: [routes4, routes6].flatMap((r) => {
      // A table without a route of the family does not exist for the kernel: no routes.
      if (r.exitCode !== 0 && /table does not exist/.test(r.stderr)) return [];
      const list = jsonOf(r, `ip route show table ${table}`);
      return Array.isArray(list) ? (list as unknown[]) : [];
    }),
  };
}

function jsonOf(r: { stdout: string; stderr: string; exitCode: number }, what: string): unknown {
  if (r.exitCode !== 0) throw new Error(`${what} exited ${r.exitCode}: ${r.stderr.trim().slice(0, 300)}`);
  // An empty table prints nothing (or "[]") depending on the iproute2 version.
  const text = r.stdout.trim();
  try {
    return text === '' ? [] : (JSON.parse(text) as unknown);
  } catch {
    throw new Error(`${what} did not print JSON: ${text.slice(0, 200)}`);
  }
}

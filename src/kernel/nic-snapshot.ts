// Pure: what an underlay NIC carries between the host and the router netns — its addresses
// (static and DHCP-learned) and its routes — as a snapshot that lives on disk from before the
// NIC leaves the host until teardown gives it back (reconcile/nic-snapshots.ts does the IO).
//
// Why on disk: a netns move flushes a NIC's addresses and routes, and the kernel hands a NIC
// back to the host without them when its netns dies (`ip netns del` + the pod gone). The move
// and the re-adding are separate `ip` processes; a controller killed between them, or a batch
// failing before the re-adding lines, leaves a bare NIC whose addresses nothing else remembers.
// With the snapshot written first, any later plan puts back what is missing (plan-underlay.ts,
// teardown.ts).

import type { ObservedAddr, ObservedLink, ObservedRoute } from './observed.js';
import { RTN_UNICAST, TABLE_LOCAL } from './observed.js';
import type { NicSnapshot, SnapshotAddr } from '../model/nic-snapshot.js';
import type { RouteSpec } from './ops.js';
import { specOf } from './plan-routes.js';
import { addrKey, cidrKey } from './plan-addrs.js';

export type { NicSnapshot, SnapshotAddr };

/**
 * Route protocols copied along with a NIC: boot (`ip route add`), static, dhcp. Not kernel/ra
 * (the kernel makes those again), not ours, and not a routing daemon's (FRR's bgp/zebra/...
 * routes in the router netns must never be cloned into the host).
 */
export const COPIED_ROUTE_PROTOS = new Set([3, 4, 16]);

/**
 * The addresses that travel: every one the kernel did not make itself. Static ones, and
 * DHCP-learned ones (IPv4 `dynamic`, IPv6 `dynamic` /128 from DHCPv6) — carried as permanent:
 * no DHCP client follows the NIC into the router netns to renew the lease. Not IPv6 link-local
 * or SLAAC (/64, made again by the kernel), not host-scope ones.
 */
export function carried(a: ObservedAddr): boolean {
  if (a.scope === 254) return false;
  if (a.family === 6 && /^fe[89ab]/i.test(a.local)) return false;
  if (a.dynamic) return a.family === 4 || a.prefixlen === 128;
  return true;
}

const carriedRoute =
  (nic: string) =>
  (r: ObservedRoute): boolean =>
    r.dev === nic &&
    !r.multipath &&
    r.type === RTN_UNICAST &&
    r.table !== TABLE_LOCAL &&
    COPIED_ROUTE_PROTOS.has(r.protocol);

/** The NIC as observed in its netns (`routes`: that netns' routes). */
export function snapshotOf(nic: ObservedLink, routes: ObservedRoute[]): NicSnapshot {
  return {
    nic: nic.name,
    addrs: nic.addrs.filter(carried).map((a) => {
      // An IPv4 label must start with the device name: keep only "nic:something" labels.
      const label = a.label?.startsWith(`${nic.name}:`) ? a.label : undefined;
      return { cidr: `${a.local}/${a.prefixlen}`, family: a.family, ...(label ? { label } : {}) };
    }),
    routes: routes.filter(carriedRoute(nic.name)).map((r) => ({ ...specOf(r), family: r.family })),
  };
}

/** Everything in `a` and everything in `b` not already there (by address, and by route identity). */
export function mergeSnapshots(a: NicSnapshot | undefined, b: NicSnapshot): NicSnapshot {
  if (!a) return b;
  const addrs = [...a.addrs];
  const haveAddr = new Set(addrs.map((x) => cidrKey(x.cidr)));
  for (const x of b.addrs) if (!haveAddr.has(cidrKey(x.cidr))) addrs.push(x);
  const routes = [...a.routes];
  const haveRoute = new Set(routes.map(routeKey));
  for (const r of b.routes) if (!haveRoute.has(routeKey(r))) routes.push(r);
  return { nic: a.nic, addrs, routes };
}

export const sameSnapshot = (a: NicSnapshot | undefined, b: NicSnapshot | undefined): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/** What of the snapshot the NIC lacks where it is now (`addrs`: its observed addresses; `routes`: that netns'). */
export function missingFrom(
  s: NicSnapshot,
  addrs: ObservedAddr[],
  routes: ObservedRoute[],
): Pick<NicSnapshot, 'addrs' | 'routes'> {
  const have = new Set(addrs.map(addrKey));
  // A route is there when one with the same identity (the kernel's: family, table, dst, metric)
  // is, whoever made it: adding it again would fail the batch with "File exists".
  const routeHere = new Set(routes.map((r) => routeKey({ ...specOf(r), family: r.family })));
  return {
    addrs: s.addrs.filter((a) => !have.has(cidrKey(a.cidr))),
    routes: s.routes.filter((r) => !routeHere.has(routeKey(r))),
  };
}

/** Pure: the snapshot text as stored, and back (undefined when it is not one of ours). */
export function parseSnapshot(text: string, nic: string): NicSnapshot | undefined {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return undefined;
  }
  const s = o as Partial<NicSnapshot> | null;
  if (typeof s !== 'object' || s === null || s.nic !== nic || !Array.isArray(s.addrs) || !Array.isArray(s.routes))
    return undefined;
  const addrs = s.addrs.filter(
    (a): a is SnapshotAddr => typeof a?.cidr === 'string' && (a.family === 4 || a.family === 6),
  );
  const routes = s.routes.filter(
    (r): r is NicSnapshot['routes'][number] => typeof r?.dst === 'string' && (r.family === 4 || r.family === 6),
  );
  return { nic, addrs, routes };
}

function routeKey(r: RouteSpec & { family: 4 | 6 }): string {
  const dst = r.dst === 'default' ? (r.family === 4 ? '0.0.0.0/0' : '::/0') : r.dst;
  return `${r.family}|${r.table ?? 254}|${dst}|${r.metric ?? 0}`;
}

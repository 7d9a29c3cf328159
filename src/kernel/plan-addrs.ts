// Addresses: on our links exactly the desired ones (kernel-made ones aside); on links we do
// not own, only add what is desired (the VTEP on lo, a host address on an unmanaged bridge).

import type { DesiredAddr, NsId } from '../model/desired.js';
import { canonicalIp } from '../config/ipaddr.js';
import type { ObservedAddr } from './observed.js';
import { addrAdd, addrDel } from './ops.js';
import { PlanContext, STEP, isOurs, key, nsWord } from './plan-context.js';
import { VTEP_LABEL } from '../model/names.js';

// Remembered canonical forms: every plan keys every observed address, and at 1000 VNIs that
// is thousands of IPv6 link-local addresses that stay the same from one reconcile to the next.
const canonical = new Map<string, string>();
const CANONICAL_MAX = 100_000;
function canonicalCached(ip: string): string {
  let c = canonical.get(ip);
  if (c === undefined) {
    c = canonicalIp(ip);
    if (canonical.size >= CANONICAL_MAX) canonical.clear();
    canonical.set(ip, c);
  }
  return c;
}

export const addrKey = (a: { local: string; prefixlen: number }): string =>
  `${canonicalCached(a.local)}/${a.prefixlen}`;

/** An address written as a CIDR (`2001:DB8::1/64`) keyed like addrKey keys an observed one. */
export const cidrKey = (cidr: string): string => {
  const [ip = '', len = ''] = cidr.split('/');
  return `${canonicalCached(ip)}/${len}`;
};

/** IPv6 link-local and kernel-made (SLAAC, temporary) addresses come and go with the link: never ours to manage. */
export const isKernelMade = (a: ObservedAddr): boolean => a.dynamic || (a.family === 6 && /^fe[89ab]/i.test(a.local));

export function planAddrs(ctx: PlanContext): void {
  for (const ns of ['host', 'router'] as const) planNs(ctx, ns);
}

function planNs(ctx: PlanContext, ns: NsId): void {
  const byDev = new Map<string, DesiredAddr[]>();
  for (const a of ctx.desired.addrs) if (a.ns === ns) byDev.set(a.dev, [...(byDev.get(a.dev) ?? []), a]);
  // Every desired link of ours gets exactly its desired addresses, also when it wants none.
  for (const l of ctx.desired.links) if (l.ns === ns && !byDev.has(l.name)) byDev.set(l.name, []);

  for (const [dev, want] of byDev) {
    const k = key(ns, dev);
    if (ctx.blocked.has(k)) continue;
    const desiredLink = ctx.desiredLink(ns, dev);
    const o = ctx.link(ns, dev);
    // A link created or recreated in 'pre' starts with no addresses.
    const fresh = !o || ctx.recreated.has(k) || ctx.deleted[ns].has(o.ifindex);
    if (!desiredLink && !o) {
      for (const a of want) ctx.conflict(`address ${a.cidr}: device ${dev} not found in the ${nsWord(ns)}`);
      continue;
    }
    const have = new Map<string, ObservedAddr>(fresh || !o ? [] : o.addrs.map((a) => [addrKey(a), a]));
    const wantKeys = new Set(want.map((a) => cidrKey(a.cidr)));
    const ours = desiredLink !== undefined && (fresh || isOurs(o));
    if (ours) {
      for (const [ak, a] of have) {
        if (wantKeys.has(ak) || isKernelMade(a)) continue;
        ctx.emit(
          STEP.addrDel,
          addrDel(ns, 'pre', dev, `${a.local}/${a.prefixlen}`, `remove ${ak} from ${dev}: not configured`),
        );
      }
    }
    for (const a of want) {
      const cur = have.get(cidrKey(a.cidr));
      if (!cur) {
        ctx.emit(
          STEP.addrAdd,
          addrAdd(ns, 'pre', dev, a.cidr, `add ${a.cidr} to ${dev}${a.label ? ` (label ${a.label})` : ''}`, a.label),
        );
      } else if (a.label && cur.label !== a.label) {
        ctx.conflict(
          `${a.cidr} is already on ${dev} in the ${nsWord(ns)} with label ${cur.label ?? 'none'}, not ${a.label}: left as is (not evpn-node's)`,
        );
      }
    }
  }
  if (ns === 'router') removeOtherVteps(ctx);
}

/** The label marks the VTEP as ours: any other address carrying it is an old VTEP. */
function removeOtherVteps(ctx: PlanContext): void {
  const want = new Set(
    ctx.desired.addrs.filter((a) => a.ns === 'router' && a.label === VTEP_LABEL).map((a) => cidrKey(a.cidr)),
  );
  for (const l of ctx.observed.router.links) {
    for (const a of l.addrs) {
      if (a.label !== VTEP_LABEL || want.has(addrKey(a))) continue;
      ctx.emit(
        STEP.addrDel,
        addrDel(
          'router',
          'pre',
          l.name,
          `${a.local}/${a.prefixlen}`,
          `remove old VTEP ${addrKey(a)} (label ${VTEP_LABEL}) from ${l.name}`,
        ),
      );
    }
  }
}

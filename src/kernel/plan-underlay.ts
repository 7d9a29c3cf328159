// The underlay NICs: each moved from the host netns into the router netns, with its addresses
// and routes copied (a netns move flushes both), and kept up there. Also: lo up in the router netns.

import type { NsId, UnderlayNic } from '../model/desired.js';
import type { ObservedLink, ObservedNs } from './observed.js';
import { RTN_UNICAST, TABLE_LOCAL } from './observed.js';
import { addrAdd, linkMove, linkUp, routeAdd, vlanAdd, type NetnsTarget, type Phase } from './ops.js';
import { isKernelMade } from './plan-addrs.js';
import { PlanContext, STEP } from './plan-context.js';
import { specOf } from './plan-routes.js';

/**
 * Route protocols copied along with a NIC: boot (`ip route add`), static, dhcp. Not kernel/ra
 * (the kernel makes those again), not ours, and not a routing daemon's (FRR's bgp/zebra/...
 * routes in the router netns must never be cloned into the host).
 */
export const COPIED_ROUTE_PROTOS = new Set([3, 4, 16]);

export function planUnderlay(ctx: PlanContext): void {
  const lo = ctx.link('router', 'lo');
  if (lo && !lo.up) ctx.emit(STEP.lo, linkUp('router', 'pre', 'lo', 'lo is down in the router netns'));
  // Each NIC on its own: one missing NIC (a slow driver, a dead port) does not hold back the
  // others, so a dual-homed node comes up on the ToR it can reach.
  for (const u of ctx.desired.underlays) planNic(ctx, u);
}

function planNic(ctx: PlanContext, u: UnderlayNic): void {
  const inRouter = ctx.link('router', u.name);
  const inHost = ctx.link('host', u.name);
  if (inRouter) {
    if (u.vlan && inRouter.vlan && inRouter.vlan.id !== u.vlan.id) {
      ctx.conflict(`underlay ${u.name} in the router netns is VLAN ${inRouter.vlan.id}, config says ${u.vlan.id}: run teardown, then apply`);
    }
    if (!inRouter.up) ctx.emit(STEP.underlay, linkUp('router', 'pre', u.name, `underlay ${u.name} is down`));
    return;
  }
  if (inHost) {
    ctx.emit(STEP.underlayMove, linkMove('host', 'pre', u.name, { name: ctx.opts.routerNetns }, `move underlay NIC ${u.name} into the router netns`));
    copyNicConfig(ctx, inHost, ctx.observed.host, 'router', 'pre');
    return;
  }
  if (u.vlan) {
    if (!ctx.link('host', u.vlan.parent)) {
      ctx.conflict(`underlay VLAN parent ${u.vlan.parent} not found in the host netns (waiting?)`);
      return;
    }
    ctx.emit(STEP.underlayMove, ...vlanAdd(u.name, u.vlan.parent, u.vlan.id, `create underlay VLAN ${u.name} (id ${u.vlan.id} on ${u.vlan.parent})`));
    ctx.emit(STEP.underlayMove, linkMove('host', 'pre', u.name, { name: ctx.opts.routerNetns }, `move underlay VLAN ${u.name} into the router netns`));
    ctx.emit(STEP.underlayCopy, linkUp('router', 'pre', u.name, `bring up underlay ${u.name}`));
    return;
  }
  ctx.conflict(`underlay NIC ${u.name} not found in the host or router netns (waiting?)`);
}

/**
 * After a move into `to`: the NIC's global addresses, admin up, then its static routes (routes
 * need the addresses' connected routes and an up device). Read from `from`'s observation.
 */
export function copyNicConfig(ctx: { emit: PlanContext['emit'] }, nic: ObservedLink, from: ObservedNs, to: NsId, phase: Phase): void {
  for (const a of nic.addrs) {
    if (isKernelMade(a) || a.scope === 254) continue;
    // An IPv4 label must start with the device name: keep only "nic:something" labels.
    const label = a.label?.startsWith(`${nic.name}:`) ? a.label : undefined;
    ctx.emit(STEP.underlayCopy, addrAdd(to, phase, nic.name, `${a.local}/${a.prefixlen}`, `re-add ${a.local}/${a.prefixlen} to ${nic.name} (a netns move flushes addresses)`, label));
  }
  ctx.emit(STEP.underlayCopy, linkUp(to, phase, nic.name, `bring up ${nic.name} after the move`));
  for (const r of from.routes) {
    if (r.dev !== nic.name || r.multipath || r.type !== RTN_UNICAST || r.table === TABLE_LOCAL || !COPIED_ROUTE_PROTOS.has(r.protocol)) continue;
    ctx.emit(STEP.underlayCopy, routeAdd(to, phase, specOf(r), `re-add route ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} on ${nic.name} (a netns move flushes routes)`));
  }
}

export type { NetnsTarget };

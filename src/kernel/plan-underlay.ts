// The underlay NICs: each moved from the host netns into the router netns, with its addresses
// and routes carried (a netns move flushes both), and kept up there. Also: lo up in the router
// netns.
//
// What is carried comes from each NIC's snapshot (nic-snapshot.ts): the one on disk merged with
// what the host shows now, written by converge BEFORE the move. In the router netns, whatever
// of the snapshot the NIC lacks is put back: a controller killed between the host batch (whose
// last line moves the NIC) and the router batch (whose first lines re-add its addresses) leaves
// exactly that, and so does a router batch failing early.

import { addrAdd, linkMove, linkUp, routeAdd, vlanAdd, type NetnsTarget, type Phase } from './ops.js';
import type { NsId, UnderlayNic } from '../model/desired.js';
import { PlanContext, STEP, isOurs, key } from './plan-context.js';
import { mergeSnapshots, missingFrom, snapshotOf, type NicSnapshot } from './nic-snapshot.js';

export { COPIED_ROUTE_PROTOS } from './nic-snapshot.js';

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
  const stored = ctx.opts.nicSnapshots?.get(u.name);
  if (inRouter) {
    if (u.vlan && inRouter.vlan && inRouter.vlan.id !== u.vlan.id) {
      ctx.conflict(
        `underlay ${u.name} in the router netns is VLAN ${inRouter.vlan.id}, config says ${u.vlan.id}: run teardown, then apply`,
      );
    }
    if (stored && !isOurs(inRouter)) {
      const lacks = missingFrom(stored, inRouter.addrs, ctx.observed.router.routes);
      restoreNic(ctx, { ...stored, ...lacks }, 'router', 'pre', !inRouter.up, 'missing');
    } else if (!inRouter.up) ctx.emit(STEP.underlay, linkUp('router', 'pre', u.name, `underlay ${u.name} is down`));
    return;
  }
  if (inHost && !isOurs(inHost)) {
    ctx.emit(
      STEP.underlayMove,
      linkMove(
        'host',
        'pre',
        u.name,
        { name: ctx.opts.routerNetns },
        `move underlay NIC ${u.name} into the router netns`,
      ),
    );
    // What must be on disk before the move: the stored snapshot (a NIC the kernel handed back
    // bare still has it) with what the host shows now. The plan carries it; converge writes it.
    const snap = mergeSnapshots(stored, snapshotOf(inHost, ctx.observed.host.routes));
    ctx.nicSnapshots.push(snap);
    restoreNic(ctx, snap, 'router', 'pre', true, 'moved');
    return;
  }
  if (inHost) {
    // Our VLAN, created by a run that stopped before moving it.
    moveOurVlan(ctx, u.name);
    return;
  }
  if (u.vlan) {
    if (!ctx.link('host', u.vlan.parent)) {
      ctx.conflict(`underlay VLAN parent ${u.vlan.parent} not found in the host netns (waiting?)`);
      return;
    }
    ctx.emit(
      STEP.underlayMove,
      ...vlanAdd(
        u.name,
        u.vlan.parent,
        u.vlan.id,
        `create underlay VLAN ${u.name} (id ${u.vlan.id} on ${u.vlan.parent})`,
      ),
    );
    ctx.created.add(key('host', u.name));
    moveOurVlan(ctx, u.name);
    return;
  }
  ctx.conflict(`underlay NIC ${u.name} not found in the host or router netns (waiting?)`);
}

/** A VLAN we created (it holds no addresses of its own): into the router netns, then up. */
function moveOurVlan(ctx: PlanContext, name: string): void {
  ctx.emit(
    STEP.underlayMove,
    linkMove('host', 'pre', name, { name: ctx.opts.routerNetns }, `move underlay VLAN ${name} into the router netns`),
  );
  ctx.emit(STEP.underlayCopy, linkUp('router', 'pre', name, `bring up underlay ${name}`));
}

/**
 * Into `to`: the snapshot's addresses, admin up, then its routes (routes need the addresses'
 * connected routes and an up device). `cause`: the NIC was just moved (all of it), or lacks
 * these (a move or a batch cut short, a NIC handed back bare).
 */
export function restoreNic(
  ctx: { emit: PlanContext['emit'] },
  s: Pick<NicSnapshot, 'nic' | 'addrs' | 'routes'>,
  to: NsId,
  phase: Phase,
  up: boolean,
  cause: 'moved' | 'missing',
): void {
  const why = (what: string): string =>
    cause === 'moved' ? `a netns move flushes ${what}` : 'missing, from its snapshot';
  for (const a of s.addrs)
    ctx.emit(
      STEP.underlayCopy,
      addrAdd(to, phase, s.nic, a.cidr, `re-add ${a.cidr} to ${s.nic} (${why('addresses')})`, a.label),
    );
  if (up)
    ctx.emit(
      STEP.underlayCopy,
      linkUp(to, phase, s.nic, cause === 'moved' ? `bring up ${s.nic} after the move` : `bring up ${s.nic}`),
    );
  for (const r of s.routes) {
    const { family: _family, ...spec } = r;
    ctx.emit(
      STEP.underlayCopy,
      routeAdd(
        to,
        phase,
        spec,
        `re-add route ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} on ${s.nic} (${why('routes')})`,
      ),
    );
  }
}

export type { NetnsTarget };

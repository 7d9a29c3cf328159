// Pure: the ops that remove everything evpn-node created, in both namespaces, and give every
// underlay NIC back to the host with its addresses and static routes.
//
// 'pre' deletes (host first: a veth pair goes with its host end; then the router netns, whose
// last lines move the NICs out); 'post' (host) re-adds the NICs' addresses and routes, which the
// move flushed: each NIC's snapshot taken before it left the host (nic-snapshot.ts), with
// whatever it holds in the router netns. A NIC already back in the host (a teardown cut short
// after the move, or handed back bare by the kernel when the router netns died) gets what it
// lacks of its snapshot. Run with applyPlan(..., 'pre') then applyPlan(..., 'post').

import type { NsId } from '../model/desired.js';
import { ROUTE_PROTO, VTEP_LABEL } from '../model/names.js';
import { TABLE_LOCAL, type ObservedNs } from './observed.js';
import { addrDel, linkDel, linkDelGroup, linkMove, linkSetGroup, ruleAdd, ruleDel, type NetnsTarget } from './ops.js';
import type { ObservedLink } from './observed.js';
import { PlanContext, STEP, isOurs, type KernelPlan, type ObservedPair } from './plan-context.js';
import { markDeleted } from './plan-links.js';
import { specOf } from './plan-routes.js';
import { routeDel } from './ops.js';
import { restoreNic } from './plan-underlay.js';
import { adoptUnmarked } from './adopt.js';
import { mergeSnapshots, missingFrom, snapshotOf, type NicSnapshot } from './nic-snapshot.js';

export interface TeardownOptions {
  /** Every underlay NIC of the config (a VLAN one of ours is deleted, the others moved back). */
  underlayNics: readonly string[];
  routerNetns: string;
  /** Where the NIC goes back to: the host netns by name (tests) or by a pid in it (production). */
  hostTarget: NetnsTarget;
  /** The NICs' snapshots from before they left the host, by name: those on disk. */
  nicSnapshots?: ReadonlyMap<string, NicSnapshot>;
  /** Links ("ns:name") a killed run created but did not mark: ours to delete (adopt.ts). */
  adopt?: ReadonlySet<string>;
}

const DELETE_RANK: Record<string, number> = { vxlan: 0, veth: 1, vlan: 2, bridge: 4, vrf: 5 };

/**
 * Device group our links are put in to be deleted together ("evpn" in ASCII). One `ip link del
 * dev X` per link is one unregister with its own RCU waits: at 1000 VNIs a teardown took minutes.
 * `link del group G` unregisters them in one batch (unregister_netdevice_many): 600 devices took
 * 27.7 s one by one and 5.1 s as a group. It deletes EVERY device in G, so it is used only when
 * every link observed in G is one this teardown deletes anyway (ours, by alias); otherwise the
 * links are deleted one by one. The alias stays the ownership mark; the group is only the means.
 */
export const TEARDOWN_GROUP = 0x6576706e;
const GROUP_DELETE_MIN = 2;

export function planTeardown(observed: ObservedPair, opts: TeardownOptions): KernelPlan {
  const nics = new Set(opts.underlayNics);
  const empty = {
    underlays: opts.underlayNics.map((name) => ({ name })),
    vtep: '',
    links: [],
    addrs: [],
    routes: [],
    rules: [],
    sysctls: [],
  };
  // Unmarked links a killed run was creating are ours: deleted like the others (no mark needed).
  observed = adoptUnmarked(observed, opts.adopt).observed;
  const ctx = new PlanContext(empty, observed, { routerNetns: opts.routerNetns });
  for (const ns of ['host', 'router'] as const) {
    removeRoutes(ctx, ns, observed[ns]);
    const victims: ObservedLink[] = [];
    for (const o of [...observed[ns].links].sort(
      (a, b) => (DELETE_RANK[a.kind ?? ''] ?? 3) - (DELETE_RANK[b.kind ?? ''] ?? 3),
    )) {
      if (!isOurs(o) || nics.has(o.name) || ctx.deleted[ns].has(o.ifindex)) continue;
      victims.push(o);
      markDeleted(ctx, ns, o);
    }
    deleteLinks(ctx, ns, observed[ns], victims);
  }
  const r = observed.router;
  for (const l of r.links) {
    for (const a of l.addrs)
      if (a.label === VTEP_LABEL)
        ctx.emit(
          STEP.addrDel,
          addrDel(
            'router',
            'pre',
            l.name,
            `${a.local}/${a.prefixlen}`,
            `teardown: remove VTEP ${a.local}/${a.prefixlen} from ${l.name}`,
          ),
        );
  }
  restoreLocalRule(ctx, r);
  for (const name of opts.underlayNics) underlayBack(ctx, observed, name, opts);
  return ctx.plan();
}

function deleteLinks(ctx: PlanContext, ns: NsId, obs: ObservedNs, victims: ObservedLink[]): void {
  const going = new Set(victims.map((o) => o.ifindex));
  // Members of the group that this delete would take along: only ours, and only ones going anyway
  // (a veth end whose peer is deleted above goes with it).
  const groupSafe = obs.links.every(
    (o) => o.group !== TEARDOWN_GROUP || (isOurs(o) && (going.has(o.ifindex) || ctx.deleted[ns].has(o.ifindex))),
  );
  if (victims.length < GROUP_DELETE_MIN || !groupSafe) {
    if (!groupSafe)
      ctx.conflict(
        `the ${ns} netns has links in device group ${TEARDOWN_GROUP} that are not evpn-node's (or not being deleted): our links are deleted one by one`,
      );
    for (const o of victims) ctx.emit(STEP.staleLink, linkDel(ns, 'pre', o.name, `teardown: delete ${o.name}`));
    return;
  }
  for (const o of victims)
    if (o.group !== TEARDOWN_GROUP)
      ctx.emit(
        STEP.staleLink,
        linkSetGroup(
          ns,
          'pre',
          o.name,
          TEARDOWN_GROUP,
          `teardown: ${o.name} into group ${TEARDOWN_GROUP}, deleted with it`,
        ),
      );
  ctx.emit(
    STEP.staleLink,
    linkDelGroup(
      ns,
      'pre',
      TEARDOWN_GROUP,
      `teardown: delete our ${victims.length} links in ${ns} (device group ${TEARDOWN_GROUP}: one unregister for all)`,
    ),
  );
}

function removeRoutes(ctx: PlanContext, ns: NsId, obs: ObservedNs): void {
  for (const rt of obs.routes) {
    if (rt.protocol !== ROUTE_PROTO || rt.multipath) continue;
    ctx.emit(
      STEP.staleRoute,
      routeDel(ns, 'pre', specOf(rt), `teardown: delete route ${rt.dst} via ${rt.gateway ?? '-'} (added by evpn-node)`),
    );
  }
}

function restoreLocalRule(ctx: PlanContext, r: ObservedNs): void {
  for (const family of [4, 6] as const) {
    const rules = r.rules.filter((x) => x.family === family && x.table === TABLE_LOCAL && x.plain);
    if (!rules.some((x) => x.pref === 32765)) continue;
    if (!rules.some((x) => x.pref === 0))
      ctx.emit(
        STEP.rules,
        ruleAdd('router', 'pre', family, 0, `teardown: IPv${family} local table rule back at pref 0`),
      );
    ctx.emit(
      STEP.rules,
      ruleDel('router', 'pre', family, 32765, `teardown: drop the IPv${family} pref 32765 local rule`),
    );
  }
}

function underlayBack(ctx: PlanContext, observed: ObservedPair, name: string, opts: TeardownOptions): void {
  const nic = ctx.link('router', name);
  const snap = opts.nicSnapshots?.get(name);
  if (!nic) {
    const inHost = ctx.link('host', name);
    if (!inHost || !snap || isOurs(inHost)) return;
    const lacks = missingFrom(snap, inHost.addrs, observed.host.routes);
    restoreNic(ctx, { ...snap, ...lacks }, 'host', 'post', !inHost.up, 'missing');
    return;
  }
  // Last line of the router batch: everything above may still route over it.
  const last = STEP.rules + 10;
  if (isOurs(nic)) {
    ctx.emit(
      last,
      linkDel('router', 'pre', nic.name, `teardown: delete underlay VLAN ${nic.name} (created by evpn-node)`),
    );
    return;
  }
  ctx.emit(
    last,
    linkMove(
      'router',
      'pre',
      nic.name,
      opts.hostTarget,
      `teardown: move underlay NIC ${nic.name} back to the host netns`,
    ),
  );
  restoreNic(ctx, mergeSnapshots(snap, snapshotOf(nic, observed.router.routes)), 'host', 'post', true, 'moved');
}

// Links: create what is missing, change only what differs, recreate what cannot change in
// place, delete our links that are no longer desired. Never touch a link without our alias.

import type { DesiredLink, NsId } from '../model/desired.js';
import type { ObservedLink } from './observed.js';
import {
  addrDel,
  addrGenModeNone,
  bridgePortSet,
  linkAdd,
  linkDel,
  linkSet,
  linkUp,
  markOurs,
  NO_LINK_LOCAL_WHY,
  vethAdd,
  type LinkChanges,
} from './ops.js';
import { isKernelMade } from './plan-addrs.js';
import { PlanContext, STEP, isOurs, key, nsWord, pairedAcrossNs } from './plan-context.js';

export function planLinks(ctx: PlanContext): void {
  markBlocked(ctx);
  for (const l of ctx.desired.links) {
    if (ctx.blocked.has(key(l.ns, l.name))) continue;
    if (l.kind === 'veth' && l.veth) {
      // A pair is planned once, from its host end (that is where it is created).
      if (l.ns === 'host') planVethPair(ctx, l, ctx.desiredLink(l.veth.peerNs, l.veth.peer));
      else if (!ctx.desiredLink(l.veth.peerNs, l.veth.peer))
        ctx.conflict(`veth ${l.name} (${nsWord(l.ns)}) has no desired peer ${l.veth.peer}: skipped`);
      continue;
    }
    planLink(ctx, l);
  }
  planStale(ctx);
}

/** Foreign links with our names block themselves and everything enslaved to them or paired with them. */
function markBlocked(ctx: PlanContext): void {
  const why = new Map<string, string>();
  for (const l of ctx.desired.links) {
    const o = ctx.link(l.ns, l.name);
    if (o && !isOurs(o) && !unmarkedEndOfOurPair(ctx, l, o)) {
      ctx.blocked.add(key(l.ns, l.name));
      ctx.conflict(
        `${l.name} in the ${nsWord(l.ns)} exists but was not created by evpn-node (alias is ${o.alias === undefined ? 'unset' : JSON.stringify(o.alias)}, not "evpn-node"): left untouched; delete or rename it, or set its alias to evpn-node to hand it over`,
      );
    }
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const l of ctx.desired.links) {
      const k = key(l.ns, l.name);
      if (ctx.blocked.has(k)) continue;
      const dep =
        l.master && ctx.blocked.has(key(l.ns, l.master))
          ? l.master
          : l.veth && ctx.blocked.has(key(l.veth.peerNs, l.veth.peer))
            ? l.veth.peer
            : undefined;
      if (dep) {
        ctx.blocked.add(k);
        why.set(k, dep);
        changed = true;
      }
    }
  }
  for (const [k, dep] of why)
    ctx.conflict(`${k.replace(':', ' netns: ')} skipped: it depends on ${dep}, which is in conflict`);
}

/**
 * The router end of a veth pair is created in the router netns without our alias (the kernel
 * drops it at creation) and marked by the router batch: if that batch did not run, it is still
 * ours when it is paired with our marked host end.
 */
function unmarkedEndOfOurPair(ctx: PlanContext, l: DesiredLink, o: ObservedLink): boolean {
  if (l.ns !== 'router' || l.kind !== 'veth' || !l.veth) return false;
  const h = ctx.link(l.veth.peerNs, l.veth.peer);
  return isOurs(h) && pairedAcrossNs(h, o);
}

/** A master that exists or is created earlier in the same batch (a foreign one only when we do not claim its name). */
function masterAvailable(ctx: PlanContext, l: DesiredLink): boolean {
  if (!l.master) return false;
  if (ctx.desiredLink(l.ns, l.master)) return !ctx.blocked.has(key(l.ns, l.master));
  return ctx.link(l.ns, l.master) !== undefined;
}

function planLink(ctx: PlanContext, l: DesiredLink): void {
  const o = ctx.link(l.ns, l.name);
  if (!o) return create(ctx, l, `create ${l.kind} ${l.name}`);
  const reason = immutableDiff(l, o);
  if (!reason) return change(ctx, l, o);
  ctx.emit(
    STEP.recreateDel,
    linkDel(l.ns, 'pre', l.name, `delete ${l.name} to recreate it: ${reason} cannot change in place`),
  );
  markDeleted(ctx, l.ns, o);
  ctx.recreated.add(key(l.ns, l.name));
  create(ctx, l, `recreate ${l.kind} ${l.name} (${reason})`);
}

/** Why `o` cannot become `l` by `link set`, or undefined. */
export function immutableDiff(l: DesiredLink, o: ObservedLink): string | undefined {
  if (o.kind !== l.kind) return `kind ${o.kind ?? 'none'} -> ${l.kind}`;
  if (l.vxlan) {
    const v = o.vxlan;
    if (!v) return 'vxlan attributes unreadable';
    if (v.id !== l.vxlan.vni) return `vxlan id ${v.id} -> ${l.vxlan.vni}`;
    if (v.local !== l.vxlan.local) return `vxlan local ${v.local ?? 'none'} -> ${l.vxlan.local}`;
    if (v.port !== l.vxlan.port) return `vxlan dstport ${v.port} -> ${l.vxlan.port}`;
    if (v.learning) return 'vxlan learning on -> nolearning';
  }
  if (l.vrf && o.vrf?.table !== l.vrf.table) return `vrf table ${o.vrf?.table ?? 'none'} -> ${l.vrf.table}`;
  if (l.vlan && o.vlan?.id !== l.vlan.id) return `vlan id ${o.vlan?.id ?? 'none'} -> ${l.vlan.id}`;
  return undefined;
}

const CREATE_STEP: Record<string, number> = { vrf: STEP.createVrf, bridge: STEP.createBridge };

// New links are created admin DOWN in 'pre' and brought up in 'post', after FRR has been
// reloaded with a config that knows them: das-schiff-network-operator creates VRF/bridge/VXLAN
// down, reloads FRR, then sets them up so zebra learns the VNI->VRF mapping before the links
// are operational and advertises the right router MAC; OpenPERouter saw bgpd crash when a
// VXLAN appeared before its config (openperouter #604/#630).
function create(ctx: PlanContext, l: DesiredLink, why: string): void {
  const withMaster = masterAvailable(ctx, l);
  if (l.master && !withMaster)
    ctx.conflict(`${l.name} in the ${nsWord(l.ns)}: master ${l.master} not found; created without a master`);
  ctx.emit(CREATE_STEP[l.kind] ?? STEP.createPort, ...linkAdd(l, withMaster, why));
  if (l.bridgePort && withMaster)
    ctx.emit(
      STEP.portFlags,
      bridgePortSet(l.ns, 'pre', l.name, l.bridgePort, `${l.name}: bridge port neigh_suppress/learning as EVPN wants`),
    );
  ctx.created.add(key(l.ns, l.name));
  ctx.emit(STEP.up, linkUp(l.ns, 'post', l.name, `bring up new ${l.name} (created down; FRR knows it now)`));
}

/** Compare-then-set: one `link set` with only what differs; nothing when all matches (openperouter #232). */
function change(ctx: PlanContext, l: DesiredLink, o: ObservedLink): void {
  const c: LinkChanges = {};
  const said: string[] = [];
  let master = o.master;
  if (l.master !== o.master) {
    if (!l.master) {
      c.master = null;
      master = undefined;
      said.push(`leave master ${o.master}`);
    } else if (masterAvailable(ctx, l)) {
      c.master = l.master;
      master = l.master;
      said.push(`master ${o.master ?? 'none'} -> ${l.master}`);
    } else
      ctx.conflict(
        `${l.name} in the ${nsWord(l.ns)}: master ${l.master} not found; master left as ${o.master ?? 'none'}`,
      );
  }
  if (l.mtu !== undefined && o.mtu !== l.mtu) {
    c.mtu = l.mtu;
    said.push(`mtu ${o.mtu} -> ${l.mtu}`);
  }
  if (l.mac && o.mac !== l.mac.toLowerCase()) {
    c.mac = l.mac;
    said.push(`mac ${o.mac ?? 'none'} -> ${l.mac}`);
  }
  if (said.length) ctx.emit(STEP.enslave, linkSet(l.ns, 'pre', l.name, c, `${l.name}: ${said.join(', ')}`));
  const bp = l.bridgePort;
  // Re-enslaving resets port flags, so they are written again after any master change.
  if (
    bp &&
    master &&
    (c.master !== undefined ||
      o.bridgePort?.neighSuppress !== bp.neighSuppress ||
      o.bridgePort.learning !== bp.learning)
  ) {
    const was =
      o.bridgePort && c.master === undefined
        ? `neigh_suppress ${onOff(o.bridgePort.neighSuppress)} learning ${onOff(o.bridgePort.learning)}`
        : 'new port';
    ctx.emit(
      STEP.portFlags,
      bridgePortSet(
        l.ns,
        'pre',
        l.name,
        bp,
        `${l.name}: bridge port flags (${was}) -> neigh_suppress ${onOff(bp.neighSuppress)} learning ${onOff(bp.learning)}`,
      ),
    );
  }
  if (!o.up) ctx.emit(STEP.up, linkUp(l.ns, 'post', l.name, `bring up ${l.name} (it is down)`));
  noLinkLocalOnExisting(ctx, l, o);
}

/**
 * An existing link that wants no IPv6 link-local. `ip -d addr show` does not print
 * inet6_addr_gen_mode (only `link show` does, and a second full link dump would cost what this
 * saves), so the mode is judged by its effect: an up link with a link-local address has the wrong
 * mode, and a down link is set before we bring it up (the mode only acts at the next UP). The
 * address it already has is deleted: these are our own links, and desired.ts gives none of them
 * a use for it.
 * No recreate, no flap. An up link without carrier has no address yet whatever its mode: that
 * one is caught by the first observe after its carrier comes.
 */
function noLinkLocalOnExisting(ctx: PlanContext, l: DesiredLink, o: ObservedLink): void {
  if (l.ipv6LinkLocal !== false) return;
  const linkLocal = o.addrs.filter((a) => a.family === 6 && a.scope === 253 && isKernelMade(a));
  if (o.up && linkLocal.length === 0) return;
  ctx.emit(STEP.enslave, addrGenModeNone(l.ns, 'pre', l.name, `${l.name}: no IPv6 link-local (${NO_LINK_LOCAL_WHY})`));
  for (const a of linkLocal)
    ctx.emit(
      STEP.addrDel,
      addrDel(
        l.ns,
        'pre',
        l.name,
        `${a.local}/${a.prefixlen}`,
        `${l.name}: remove IPv6 link-local ${a.local} (${NO_LINK_LOCAL_WHY})`,
      ),
    );
}

const onOff = (b: boolean): string => (b ? 'on' : 'off');

function planVethPair(ctx: PlanContext, h: DesiredLink, r: DesiredLink | undefined): void {
  if (!r || r.ns !== 'router') {
    ctx.conflict(`veth ${h.name}: its desired peer ${h.veth?.peer} in the router netns is missing: skipped`);
    return;
  }
  const oH = ctx.link('host', h.name);
  const oR = ctx.link('router', r.name);
  if (oH && oR && pairedAcrossNs(oH, oR)) {
    if (!isOurs(oR))
      ctx.emit(
        STEP.createPort,
        markOurs('router', r.name, `mark ${r.name} as evpn-node's (the end of our pair ${h.name})`),
      );
    change(ctx, h, oH);
    change(ctx, r, oR);
    return;
  }
  if (oH) {
    const what =
      oH.kind !== 'veth'
        ? `it is a ${oH.kind ?? 'device'}, not a veth`
        : `its peer is not ${r.name} in the router netns`;
    ctx.emit(STEP.recreateDel, linkDel('host', 'pre', h.name, `delete ${h.name} to recreate the pair: ${what}`));
    markDeleted(ctx, 'host', oH);
    ctx.recreated.add(key('host', h.name));
  }
  if (oR && !ctx.deleted.router.has(oR.ifindex)) {
    // The router end is in the way of the new peer's move. The host batch runs first, so it can
    // only go now if its own peer is a host link we can delete there.
    const hp = oR.peer?.netnsid !== undefined ? ctx.linkByIndex('host', oR.peer.ifindex) : undefined;
    if (hp && hp.peer?.ifindex === oR.ifindex && isOurs(hp)) {
      ctx.emit(
        STEP.recreateDel,
        linkDel(
          'host',
          'pre',
          hp.name,
          `delete ${hp.name}: its peer ${r.name} is in the way of the new ${h.name}/${r.name} pair`,
        ),
      );
      markDeleted(ctx, 'host', hp);
      ctx.recreated.add(key('host', hp.name));
    } else {
      ctx.emit(STEP.recreateDel, linkDel('router', 'pre', r.name, `delete ${r.name}: it is not paired with ${h.name}`));
      markDeleted(ctx, 'router', oR);
      ctx.conflict(
        `veth pair ${h.name}/${r.name}: ${r.name} in the router netns had a foreign peer; it is deleted now and the pair is created by the next apply`,
      );
      return;
    }
  }
  const inHost = ctx.link('host', r.name);
  if (inHost && !ctx.deleted.host.has(inHost.ifindex)) {
    if (!isOurs(inHost)) {
      ctx.conflict(
        `${r.name} exists in the host netns but was not created by evpn-node: veth pair ${h.name}/${r.name} not created`,
      );
      return;
    }
    ctx.emit(
      STEP.recreateDel,
      linkDel('host', 'pre', r.name, `delete ${r.name} from the host netns (a router leg that never moved)`),
    );
    markDeleted(ctx, 'host', inHost);
  }
  const withMaster = masterAvailable(ctx, h);
  if (h.master && !withMaster)
    ctx.conflict(`${h.name} in the host netns: master ${h.master} not found; created without a master`);
  ctx.emit(
    STEP.createPort,
    ...vethAdd(h, r, ctx.opts.routerNetns, withMaster, `create veth pair ${h.name} (host) / ${r.name} (router)`),
  );
  ctx.emit(STEP.createPort, markOurs('router', r.name, `mark ${r.name} as evpn-node's`, r.ipv6LinkLocal === false));
  if (r.master) {
    if (masterAvailable(ctx, r))
      ctx.emit(
        STEP.enslave,
        linkSet('router', 'pre', r.name, { master: r.master }, `${r.name}: enslave the new router leg to ${r.master}`),
      );
    else ctx.conflict(`${r.name} in the router netns: master ${r.master} not found; left without a master`);
  }
  for (const l of [h, r]) {
    ctx.created.add(key(l.ns, l.name));
    ctx.emit(STEP.up, linkUp(l.ns, 'post', l.name, `bring up new ${l.name} (created down; FRR knows it now)`));
  }
}

/** Record a deletion, and the veth peer that goes with it. */
export function markDeleted(ctx: PlanContext, ns: NsId, o: ObservedLink): void {
  ctx.deleted[ns].add(o.ifindex);
  if (o.kind !== 'veth' || !o.peer) return;
  const peerNs: NsId = o.peer.netnsid === undefined ? ns : ns === 'host' ? 'router' : 'host';
  const p = ctx.linkByIndex(peerNs, o.peer.ifindex);
  if (p && p.peer?.ifindex === o.ifindex) ctx.deleted[peerNs].add(p.ifindex);
}

const DELETE_RANK: Record<string, number> = { vxlan: 0, veth: 1, vlan: 2, bridge: 4, vrf: 5 };

/** Our links that no desired link names any more: deleted in 'post', once FRR no longer refers to them. */
function planStale(ctx: PlanContext): void {
  const underlays = new Set(ctx.desired.underlays.map((u) => u.name));
  // Host first: a stale pair is deleted from its host end (the host batch runs last in 'post').
  for (const ns of ['host', 'router'] as const) {
    const wanted = new Set(ctx.desired.links.filter((l) => l.ns === ns).map((l) => l.name));
    const stale = ctx.observed[ns].links
      .filter((o) => isOurs(o) && !wanted.has(o.name) && !underlays.has(o.name))
      .sort((a, b) => (DELETE_RANK[a.kind ?? ''] ?? 3) - (DELETE_RANK[b.kind ?? ''] ?? 3));
    for (const o of stale) {
      if (ctx.deleted[ns].has(o.ifindex)) continue;
      const peer =
        o.kind === 'veth' && o.peer?.netnsid !== undefined
          ? ctx.linkByIndex(ns === 'host' ? 'router' : 'host', o.peer.ifindex)
          : undefined;
      if (peer && peer.peer?.ifindex === o.ifindex && !isOurs(peer)) {
        ctx.conflict(
          `${o.name} in the ${nsWord(ns)} is no longer configured, but its veth peer ${peer.name} was not created by evpn-node: left in place`,
        );
        continue;
      }
      ctx.emit(
        STEP.staleLink,
        linkDel(ns, 'post', o.name, `delete ${o.name}: created by evpn-node and no longer configured`),
      );
      markDeleted(ctx, ns, o);
    }
  }
}

// Shared state of one planning pass: observed indexes, the ops emitted so far with their rank
// inside a batch, conflicts, and which links are blocked/recreated/deleted.

import type { DesiredKernel, DesiredLink, NsId } from '../model/desired.js';
import type { ObservedLink, ObservedNs } from './observed.js';
import type { Op } from './ops.js';
import { OWNER_ALIAS } from '../model/names.js';
import type { NicSnapshot } from '../model/nic-snapshot.js';

export interface PlanOptions {
  /** FRR's named netns. */
  routerNetns: string;
  /** Name of the host netns when it is a named one (tests); undefined in production. */
  hostNetns?: string;
  /**
   * A pid in the host netns (production: process.pid), for moves back to an unnamed host
   * netns. planKernel never moves links out of the router netns; teardown does.
   */
  hostPid?: number;
  /**
   * The underlay NICs' snapshots on disk, by NIC name (reconcile/nic-snapshots.ts): what a NIC
   * in the router netns must hold, and what a NIC the kernel handed back bare used to hold.
   */
  nicSnapshots?: ReadonlyMap<string, NicSnapshot>;
  /** Links ("ns:name") a previous run was creating: adopted when they exist unmarked (adopt.ts). */
  adopt?: ReadonlySet<string>;
}

export interface KernelPlan {
  /** Ops in execution order per (phase, ns); empty means nothing to write. */
  ops: Op[];
  /** Things evpn-node refuses to touch or cannot do yet, each naming the object, netns and the remedy. */
  conflicts: string[];
  /** Links this plan creates ("ns:name"), when it creates any: converge journals them first (kernel/adopt.ts). */
  created?: string[];
  /**
   * The snapshots of the underlay NICs this plan moves out of the host (the stored one merged
   * with what the host shows now), when it moves any: converge writes them before the batch.
   */
  nicSnapshots?: NicSnapshot[];
}

export interface ObservedPair {
  host: ObservedNs;
  router: ObservedNs;
}

/**
 * Rank of an op inside its (phase, ns) batch. Order inside a batch: drop what must be
 * recreated, create VRFs, bridges, VXLANs/veths, then enslave, port flags, addresses, rules.
 * In 'post': stale routes, stale links, `up`, routes, rule restore.
 */
export const STEP = {
  adopt: 0,
  lo: 0,
  // The underlay NIC leaves the host as the LAST line of the host batch and gets its addresses
  // and routes back as the FIRST lines of the router batch: when any other line fails, the NIC
  // is either still in the host or already fully configured in the router netns — never
  // stranded without its addresses (a netns move flushes them, and nothing else keeps them).
  underlayCopy: 1,
  underlay: 5,
  underlayMove: 90,
  recreateDel: 10,
  createVrf: 20,
  createBridge: 30,
  createPort: 40,
  enslave: 50,
  portFlags: 55,
  addrDel: 60,
  addrAdd: 65,
  rules: 80,
  staleRoute: 10,
  staleLink: 20,
  up: 30,
  route: 40,
  ruleRestore: 50,
} as const;

export const isOurs = (l: ObservedLink | undefined): boolean => l?.alias === OWNER_ALIAS;

export class PlanContext {
  private readonly ranked: Array<{ op: Op; step: number; seq: number }> = [];
  readonly conflicts: string[] = [];
  /** Desired links (ns:name) not created or changed: foreign name, or depending on one. */
  readonly blocked = new Set<string>();
  /** Links deleted and created again in 'pre' (ns:name): their observed addresses are gone. */
  readonly recreated = new Set<string>();
  /** Links created in 'pre' (ns:name). */
  readonly created = new Set<string>();
  /** The snapshots of the NICs moved out of the host (see KernelPlan.nicSnapshots). */
  readonly nicSnapshots: NicSnapshot[] = [];
  /** ifindexes already deleted, directly or with their veth peer, per ns. */
  readonly deleted: Record<NsId, Set<number>> = { host: new Set(), router: new Set() };
  private readonly byName: Record<NsId, Map<string, ObservedLink>>;
  private readonly desiredByKey: Map<string, DesiredLink>;
  private readonly byIndex: Record<NsId, Map<number, ObservedLink>>;

  constructor(
    readonly desired: DesiredKernel,
    readonly observed: ObservedPair,
    readonly opts: PlanOptions,
  ) {
    this.byName = {
      host: new Map(observed.host.links.map((l) => [l.name, l])),
      router: new Map(observed.router.links.map((l) => [l.name, l])),
    };
    this.desiredByKey = new Map(desired.links.map((l) => [key(l.ns, l.name), l]));
    this.byIndex = {
      host: new Map(observed.host.links.map((l) => [l.ifindex, l])),
      router: new Map(observed.router.links.map((l) => [l.ifindex, l])),
    };
  }

  link(ns: NsId, name: string): ObservedLink | undefined {
    return this.byName[ns].get(name);
  }

  desiredLink(ns: NsId, name: string): DesiredLink | undefined {
    return this.desiredByKey.get(key(ns, name));
  }

  linkByIndex(ns: NsId, ifindex: number): ObservedLink | undefined {
    return this.byIndex[ns].get(ifindex);
  }

  emit(step: number, ...ops: Op[]): void {
    for (const op of ops) this.ranked.push({ op, step, seq: this.ranked.length });
  }

  conflict(text: string): void {
    this.conflicts.push(text);
  }

  plan(): KernelPlan {
    const sorted = [...this.ranked].sort(
      (a, b) => batchRank(a.op) - batchRank(b.op) || a.step - b.step || a.seq - b.seq,
    );
    return {
      ops: sorted.map((r) => r.op),
      conflicts: [...this.conflicts],
      ...(this.created.size ? { created: [...this.created] } : {}),
      ...(this.nicSnapshots.length ? { nicSnapshots: [...this.nicSnapshots] } : {}),
    };
  }
}

/** Batches run pre/host, pre/router, post/router, post/host (see apply.ts); sysctls after their ns's batch. */
export const BATCH_ORDER: ReadonlyArray<readonly [Op['phase'], NsId]> = [
  ['pre', 'host'],
  ['pre', 'router'],
  ['post', 'router'],
  ['post', 'host'],
];

const batchRank = (op: Op): number =>
  BATCH_ORDER.findIndex(([p, n]) => p === op.phase && n === op.ns) * 2 + (op.kind === 'sysctl' ? 1 : 0);

export const key = (ns: NsId, name: string): string => `${ns}:${name}`;

export const nsWord = (ns: NsId): string => (ns === 'host' ? 'host netns' : 'router netns');

/**
 * The two ends of a veth pair, as far as observation can prove it: each end's peer ifindex is
 * the other's ifindex and both say the peer is in another netns.
 */
export function pairedAcrossNs(a: ObservedLink | undefined, b: ObservedLink | undefined): boolean {
  return (
    !!a &&
    !!b &&
    a.kind === 'veth' &&
    b.kind === 'veth' &&
    a.peer?.netnsid !== undefined &&
    b.peer?.netnsid !== undefined &&
    a.peer.ifindex === b.ifindex &&
    b.peer.ifindex === a.ifindex
  );
}

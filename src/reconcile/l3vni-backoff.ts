// When to rebind an L3VNI again after a rebind that did not cure it (frr-l3vni.ts). A rebind
// costs two FRR reloads; a fault it does not cure (e.g. bgpd's routes deferred by graceful
// restart) would otherwise cost two reloads every drift tick, forever. So the waits double,
// 30 s up to 10 min, and start over once the VNI is seen whole. Pure decisions, and one
// long-lived holder the daemon keeps (the `apply` command gets a fresh one: always due).

/** The first wait after a rebind that did not cure the VNI; then doubled each time... */
export const FIRST_REBIND_WAIT_MS = 30_000;
/** ... up to this. */
export const MAX_REBIND_WAIT_MS = 600_000;

/** One L3VNI's rebinds that did not cure it. */
export interface RebindBackoff {
  /** Rebinds in a row after which the VNI was still wrong. */
  uncured: number;
  /** Not rebound again before this (ms since the epoch). */
  nextAt: number;
}

/** Whether a VNI found wrong may be rebound at `now`. */
export function rebindDue(b: RebindBackoff | undefined, now: number): boolean {
  return b === undefined || now >= b.nextAt;
}

/** After a rebind that left the VNI wrong at `now`: the next one waits twice as long as the last. */
export function afterUncuredRebind(b: RebindBackoff | undefined, now: number): RebindBackoff {
  const uncured = (b?.uncured ?? 0) + 1;
  const wait = Math.min(MAX_REBIND_WAIT_MS, FIRST_REBIND_WAIT_MS * 2 ** (uncured - 1));
  return { uncured, nextAt: now + wait };
}

/**
 * The drift tick's verdict on one look that found `wrong` VNIs (a gap, or run as another
 * kind). A converge is needed when a wrong VNI may be rebound (or is not yet reported as a
 * conflict), or when a VNI reported as a conflict is no longer wrong (the converge clears
 * it). A wrong VNI already reported and still waiting needs nothing: the last converge's
 * conflict stands until its next rebind is due.
 */
export function tickVerdict(
  wrong: readonly number[],
  state: { backoff: ReadonlyMap<number, RebindBackoff>; reported: ReadonlySet<number> },
  now: number,
): { converge: false } | { converge: true; vni: number; why: 'wrong' | 'cleared' } {
  for (const vni of wrong)
    if (!state.reported.has(vni) || rebindDue(state.backoff.get(vni), now))
      return { converge: true, vni, why: 'wrong' };
  for (const vni of state.reported) if (!wrong.includes(vni)) return { converge: true, vni, why: 'cleared' };
  return { converge: false };
}

/** `ms` as an operator reads a wait: "30 s", "2 min", "10 min". */
export function waitInWords(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/**
 * The daemon's one record of L3VNI rebinds, across converges and drift ticks (in memory: a
 * restarted controller starts over, which is one rebind more, not a loop).
 */
export class L3VniRepairs {
  readonly backoff = new Map<number, RebindBackoff>();
  /** The VNIs the last converge reported as conflicts. */
  reported = new Set<number>();

  due(vni: number, now: number): boolean {
    return rebindDue(this.backoff.get(vni), now);
  }

  /** A rebind left `vni` wrong: the backoff after it. */
  uncured(vni: number, now: number): RebindBackoff {
    const b = afterUncuredRebind(this.backoff.get(vni), now);
    this.backoff.set(vni, b);
    return b;
  }

  /** `vnis` were seen whole: their next fault starts with a short wait again. */
  whole(vnis: Iterable<number>): void {
    for (const vni of vnis) this.backoff.delete(vni);
  }

  /** Whether a gap is being waited on or repaired (the drift tick then looks every time). */
  get pending(): boolean {
    return this.backoff.size > 0 || this.reported.size > 0;
  }
}

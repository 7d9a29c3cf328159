// Pure: what one pass of the daemon does next. The loop (daemon.ts) gathers a fact, asks
// decide(), does the step it returns, records what the step found, and asks again, until a
// step ends the pass. Every "should this pass look, read, push or converge" lives here, and
// what a pass does after a converge or a failed one too (settleConverge, settleFailure).
//
// The order a pass asks in, and why:
//   writer lock → torn-down mark → try.json   someone else owns the node: change nothing
//   read the config (boot, edit, SIGHUP, a try just ended, nothing loaded, identity pending)
//   FRR's netns from the pidfile, reloader healthy   (a new pid or netns: push / re-plumb)
//   same config as in force: FRR first (one read), then the kernel only when a netlink event
//   since the last look can have changed the plan; converge only when something is off.

import type { DaemonState } from './state.js';

/** Why a pass runs. Only drift and pidfile alone allow the cheap path. */
export type Reason = 'boot' | 'config' | 'sighup' | 'pidfile' | 'drift' | 'retry' | 'rollback' | 'try-ended';

/** FRR as the pass found it, against the last converge: its netns inode and pid. */
export type FrrSeen = 'first' | 'same' | 'restarted' | 'new-netns';

export interface PassFacts {
  reasons: readonly Reason[];
  // What the daemon holds now (the loop reads these afresh before each decide).
  state: DaemonState;
  inForce: boolean;
  candidate: boolean;
  /** node.indexFrom of the config on disk cannot be resolved yet. */
  identityPending: boolean;
  // What this pass found so far (undefined: not asked yet).
  lockHeld?: boolean;
  tornDown?: boolean;
  tryActive?: boolean;
  /** The config was re-read in this pass (false: kept as it was). */
  read?: boolean;
  /** The identity problem was noted against the config on disk (the one in force stays). */
  identityNoted?: boolean;
  /** undefined: FRR not looked for yet; 'absent': not there or not healthy. */
  frr?: FrrSeen | 'absent';
  /** FRR may not run the rendered config (push: reload although the file is right); false: in line. */
  frrOff?: false | { push: boolean };
  /** No netlink event since the last look can have changed the plan. */
  kernelQuiet?: boolean;
  kernelDrifted?: boolean;
}

export type Step =
  | { do: 'take-lock' }
  | { do: 'check-torn-down' }
  | { do: 'check-try' }
  | { do: 'read-config' }
  | { do: 'keep-config' }
  /** Identity pending and a config in force: it stays, the config on disk is the problem; read again with backoff. */
  | { do: 'note-identity' }
  /** Identity pending and nothing in force: wait, read again with backoff. */
  | { do: 'wait-identity' }
  | { do: 'find-frr' }
  | { do: 'check-frr' }
  | { do: 'ask-netlink' }
  | { do: 'look-kernel' }
  | { do: 'converge'; pushFrr: boolean }
  | { do: 'wait-config' }
  /** The pass ends here; the step that found why already said so. */
  | {
      do: 'done';
      why: 'lock-busy' | 'torn-down' | 'try-active' | 'no-change' | 'no-frr' | 'kernel-quiet' | 'no-drift';
    };

const only = (reasons: readonly Reason[], allowed: readonly Reason[]): boolean =>
  reasons.every((r) => allowed.includes(r));

/** The config is read again: an edit, a SIGHUP, boot, a try that ended, nothing loaded, or an identity still pending. */
export function rereads(f: PassFacts): boolean {
  const tryEnded = f.state === 'try-in-progress';
  return (
    tryEnded ||
    f.reasons.some((r) => r === 'boot' || r === 'config' || r === 'sighup' || r === 'try-ended') ||
    (!f.inForce && !f.candidate) ||
    f.identityPending
  );
}

export function decide(f: PassFacts): Step {
  if (f.lockHeld === undefined) return { do: 'take-lock' };
  if (!f.lockHeld) return { do: 'done', why: 'lock-busy' };
  if (f.tornDown === undefined) return { do: 'check-torn-down' };
  if (f.tornDown) return { do: 'done', why: 'torn-down' };
  if (f.tryActive === undefined) return { do: 'check-try' };
  if (f.tryActive) return { do: 'done', why: 'try-active' };
  if (f.read === undefined) return rereads(f) ? { do: 'read-config' } : { do: 'keep-config' };
  // An edit that changes nothing in force (invalid, or the same config again) was reported by
  // the read and costs no reconcile.
  if (!f.candidate && f.inForce && only(f.reasons, ['config']) && f.state === 'converged')
    return { do: 'done', why: 'no-change' };
  if (f.identityPending && !f.identityNoted) {
    // The config is fine but this node cannot tell which node it is yet (its interface has no
    // address, no hostname): waited for like a missing NIC, read again with backoff. With a
    // config in force (an edit), that one stays and the problem is the disk's.
    return f.inForce ? { do: 'note-identity' } : { do: 'wait-identity' };
  }
  if (!f.candidate && !f.inForce) return { do: 'wait-config' };
  if (f.frr === undefined) return { do: 'find-frr' };
  if (f.frr === 'absent') return { do: 'done', why: 'no-frr' };
  const restarted = f.frr === 'restarted';
  // A candidate, or FRR restarted or in a new netns: converge (a restart pushes FRR's config).
  if (f.candidate || restarted || f.frr === 'new-netns') return { do: 'converge', pushFrr: restarted };
  // Same config as in force: look before writing, so a repair is logged as the drift it is.
  // FRR is looked at first, cheaply (drift-check.ts, frrOff).
  if (f.frrOff === undefined) return { do: 'check-frr' };
  if (f.frrOff) return { do: 'converge', pushFrr: f.frrOff.push };
  const quiet = only(f.reasons, ['drift', 'pidfile', 'retry']);
  if (quiet && f.state === 'converged' && only(f.reasons, ['drift'])) {
    // A quiet tick costs no kernel observe when no netlink event since the last look can have
    // changed the plan.
    if (f.kernelQuiet === undefined) return { do: 'ask-netlink' };
    if (f.kernelQuiet) return { do: 'done', why: 'kernel-quiet' };
  }
  if (f.kernelDrifted === undefined) return { do: 'look-kernel' };
  if (!f.kernelDrifted && quiet && f.state === 'converged') return { do: 'done', why: 'no-drift' };
  return { do: 'converge', pushFrr: false };
}

/** FRR now (from its pidfile) against FRR at the last converge. */
export function frrSeen(
  before: { pid: number; inode: number } | undefined,
  now: { pid: number; inode: number },
): FrrSeen {
  if (before === undefined) return 'first';
  if (before.inode !== now.inode) return 'new-netns';
  return before.pid !== now.pid ? 'restarted' : 'same';
}

/** What a converge that returned means for the daemon. */
export interface Settled {
  /** The target becomes the config in force (not while no underlay NIC at all is there). */
  promote: boolean;
  state: DaemonState;
  detail?: string;
  /** Noted as the last error. */
  error?: string;
  /** Another pass with backoff. */
  retry: boolean;
  resetBackoff: boolean;
  /** Counts as the first converge for readiness. */
  convergedOnce: boolean;
}

/**
 * After a converge: conflicts that are only missing underlay NICs mean "wait for them" — all
 * of them missing (slow driver at boot): the candidate stays the candidate; some: the node
 * runs on the ToRs it has (readiness may pass) while the others are looked for again.
 */
export function settleConverge(
  conflicts: readonly string[],
  missing: { missing: readonly string[]; verdict: 'all' | 'some' | 'none' },
): Settled {
  const { verdict } = missing;
  if (verdict === 'all')
    return {
      promote: false,
      state: 'waiting-nic',
      ...(missing.missing[0] !== undefined ? { detail: missing.missing[0] } : {}),
      retry: true,
      resetBackoff: false,
      convergedOnce: false,
    };
  // A NIC still missing keeps the backoff growing: a dead port is looked for every 10 s, not in a loop.
  const resetBackoff = verdict === 'none';
  if (conflicts.length) {
    const first = conflicts[0] ?? '';
    return {
      promote: true,
      state: 'degraded',
      detail: `${conflicts.length} conflict(s): ${conflicts[0]}`,
      error: first,
      retry: verdict === 'some',
      resetBackoff,
      convergedOnce: verdict === 'some' && missing.missing.length === conflicts.length,
    };
  }
  return { promote: true, state: 'converged', retry: false, resetBackoff, convergedOnce: true };
}

/** How a converge failed: FRR or its netns not there, FRR refused the config, or anything else. */
export type FailureKind = 'frr-unavailable' | 'frr-refused' | 'other';

export type AfterFailure =
  | { do: 'wait-frr' }
  /** The refused candidate is dropped (the config on disk is the problem) and then: */
  | { do: 'refused'; then: 'rollback' | 'boot-fallback' | 'wait-config' }
  | { do: 'degraded' };

/**
 * After a converge threw. A refused candidate is not retried until the files change: with a
 * config in force, that one is converged again (which takes back the links the refused attempt
 * created, down, before FRR said no); at boot from disk, last-good.yaml is tried instead.
 */
export function settleFailure(
  kind: FailureKind,
  target: { isCandidate: boolean; source: 'disk' | 'last-good' },
  inForce: boolean,
): AfterFailure {
  if (kind === 'frr-unavailable') return { do: 'wait-frr' };
  if (kind === 'frr-refused' && target.isCandidate)
    return { do: 'refused', then: inForce ? 'rollback' : target.source === 'disk' ? 'boot-fallback' : 'wait-config' };
  return { do: 'degraded' };
}

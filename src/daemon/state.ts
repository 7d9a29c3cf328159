// The daemon's states and the short text systemd shows for each (STATUS=, `systemctl status`).
// Pure: the daemon decides, this module only names and words it.

export type DaemonState =
  | 'starting'
  /** No valid config and no last-good.yaml: waiting for an edit that validates. */
  | 'waiting-config'
  /** FRR's pidfile missing or stale, its netns not resolvable, or the reloader not answering. */
  | 'waiting-frr'
  /** The underlay NIC is not there (yet): a slow driver at boot. */
  | 'waiting-nic'
  /** node.indexFrom cannot be resolved yet (no such interface, no address, hostname not set). */
  | 'waiting-identity'
  | 'converged'
  /** Converged except for something in the way, or the last attempt failed: retrying. */
  | 'degraded'
  /** `evpn-node try` owns the config: no changes of the daemon's own. */
  | 'try-in-progress'
  /** Another writer (a one-shot apply or teardown) holds the writer lock: waiting for it. */
  | 'waiting-lock'
  /** `teardown --force` ran while we run: no changes until `apply` (or a restart). */
  | 'torn-down';

export interface StatusFacts {
  state: DaemonState;
  /** Why we wait / what is degraded (one line). */
  detail?: string;
  /** The config on disk does not apply (invalid or refused by FRR): the message. */
  diskProblem?: string;
  /** Where the config in force came from. */
  source?: 'disk' | 'last-good';
  ready: boolean;
  /** Readiness still waits for an underlay BGP session; seconds since start. */
  waitingUnderlaySeconds?: number;
  tryPid?: number;
}

/** One short line: the state first, then the most useful detail. */
export function statusText(f: StatusFacts): string {
  const head = ((): string => {
    switch (f.state) {
      case 'starting':
        // READY=1 went out once the first converge applied the kernel and FRR: it verifies now.
        return f.ready ? 'ready; verifying the first converge' : 'starting';
      case 'waiting-config':
        return `waiting for a valid config${f.detail ? `: ${f.detail}` : ''}`;
      case 'waiting-frr':
        return `waiting for FRR${f.detail ? `: ${f.detail}` : ''}`;
      case 'waiting-nic':
        return `waiting for the underlay NIC${f.detail ? `: ${f.detail}` : ''}`;
      case 'waiting-identity':
        return `waiting for the node identity (node.indexFrom)${f.detail ? `: ${f.detail}` : ''}`;
      case 'try-in-progress':
        return `try in progress (pid ${f.tryPid ?? '?'})`;
      case 'waiting-lock':
        return `waiting for the writer lock${f.detail ? `: ${f.detail}` : ''}`;
      case 'torn-down':
        return `torn down${f.detail ? `: ${f.detail}` : ''}`;
      case 'degraded':
        return `degraded${f.detail ? `: ${f.detail}` : ''}`;
      case 'converged':
        return f.waitingUnderlaySeconds !== undefined && !f.ready
          ? `waiting for an underlay BGP session (${f.waitingUnderlaySeconds} s)`
          : 'converged';
    }
  })();
  const tail: string[] = [];
  if (f.source === 'last-good') tail.push('last good config in force');
  if (f.diskProblem) tail.push(`config on disk not applied: ${f.diskProblem}`);
  return tail.length ? `${head}; ${tail.join('; ')}` : head;
}

/** A converge conflict that means "wait for the NIC" rather than "something is in the way". */
export const isMissingNic = (conflict: string): boolean => /^underlay (NIC|VLAN parent) \S+ not found/.test(conflict);

/**
 * What missing underlay NICs mean for the daemon: 'all' (none of them there: wait, as for a slow
 * driver at boot), 'some' (the node runs on the ToRs it has while the others are looked for
 * again), or 'none'.
 */
export function missingNics(
  conflicts: readonly string[],
  nicCount: number,
): { missing: string[]; verdict: 'all' | 'some' | 'none' } {
  const missing = conflicts.filter(isMissingNic);
  const verdict = missing.length === 0 ? 'none' : missing.length >= nicCount ? 'all' : 'some';
  return { missing, verdict };
}

// Pure: is the node converged and healthy, judged from everything `status` gathered live (the
// last reconcile, the daemon's state, the router netns, FRR's BGP sessions, the config in force
// vs on disk, the units when systemd answers)? `status` exits 0 only then, 3 otherwise, as
// `systemctl status` does for a unit that is not running.

import type { StatusReport } from './gather.js';
import { staleness } from './reconcile-status.js';
import { UNIT_NAMES } from '../systemd/units.js';

export interface StatusVerdict {
  healthy: boolean;
  /** What is wrong, most fundamental first; empty when healthy. */
  problems: string[];
}

/** Units whose state is ours to judge (kubelet is only ordered after us). */
const OUR_UNITS = new Set<string>(Object.values(UNIT_NAMES));

export function statusVerdict(r: StatusReport): StatusVerdict {
  const problems: string[] = [];
  const rec = r.reconcile;
  if (!rec.found) problems.push(`never reconciled: ${rec.reason}`);
  else {
    const s = rec.status;
    if (!s.ok)
      problems.push(
        s.error
          ? `last reconcile failed: ${firstLine(s.error)}`
          : s.conflicts.length
            ? `last reconcile left ${s.conflicts.length} conflict(s): ${firstLine(s.conflicts[0] ?? '')}`
            : 'last reconcile did not converge',
      );
    if (s.state !== undefined && s.state !== 'converged' && s.ok) problems.push(`daemon ${s.state}`);
    const stale = staleness(s, Date.parse(r.at));
    if (stale) problems.push(stale);
  }
  if (!r.router.ok) problems.push(`router unavailable: ${r.router.error}`);
  if (!r.bgp.ok) problems.push(`BGP state unavailable: ${r.bgp.error}`);
  else if (r.underlayRequired && !r.bgp.underlay.established) problems.push(r.bgp.underlay.reason);
  if (r.config.inForce && r.config.same === false) {
    problems.push(
      r.config.onDisk.valid
        ? 'the config on disk is not in force yet'
        : `the config on disk is invalid: ${r.config.onDisk.error ?? 'see evpn-node validate'}`,
    );
  }
  if (r.try.state === 'active') problems.push(`try in progress (pid ${r.try.file.pid})`);
  if (r.try.state === 'expired') problems.push(`try overdue: ${r.try.why}`);
  if (r.units.available) {
    for (const u of r.units.units) {
      // A unit that is not installed is a one-shot `apply` node, not a problem.
      if (OUR_UNITS.has(u.name) && u.loadState === 'loaded' && u.activeState !== 'active')
        problems.push(`${u.name} is ${u.activeState}`);
    }
  }
  return { healthy: problems.length === 0, problems };
}

const firstLine = (s: string): string => s.split('\n')[0] ?? s;

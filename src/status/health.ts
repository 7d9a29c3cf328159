// `health`: is this node's network as configured? Pure verdict + the IO that feeds it. Runs
// every few seconds as the podman health check: one file read, at most one bounded reloader
// call, never a kernel dump.

import type { RuntimeConfig } from '../config/types.js';
import { ReloaderClient } from '../frr/reload-client.js';
import { bgpSessions, underlayVerdict } from './bgp-sessions.js';
import { readStatusFile, staleness, type StatusFile } from './reconcile-status.js';
import { messageOf } from '../errors.js';

export type BgpRead = { ok: true; bgp: unknown } | { ok: false; error: string };

export interface HealthVerdict {
  healthy: boolean;
  /** One line: why. */
  reason: string;
  checks: {
    reconcile: { ok: boolean; detail: string };
    underlay?: { ok: boolean; detail: string };
  };
}

/**
 * Healthy = the last reconcile converged (status.json ok), the daemon's status.json is fresh
 * (reconcile-status.ts staleness: a stuck or dead daemon leaves an old "ok" behind) and, when
 * readiness.underlayEstablished is on, an underlay BGP session is Established. A one-shot
 * `apply`'s status.json has no age limit.
 */
export function judgeHealth(
  status: StatusFile,
  underlayRequired: boolean,
  bgp: BgpRead | undefined,
  now: number = Date.now(),
): HealthVerdict {
  const reconcile = reconcileCheck(status, now);
  const checks: HealthVerdict['checks'] = { reconcile };
  if (underlayRequired && (bgp !== undefined || reconcile.ok)) {
    if (!bgp) checks.underlay = { ok: false, detail: 'BGP state was not read' };
    else if (!bgp.ok) checks.underlay = { ok: false, detail: `cannot read BGP state from FRR: ${bgp.error}` };
    else {
      const v = underlayVerdict(bgpSessions(bgp.bgp));
      checks.underlay = { ok: v.established, detail: v.reason };
    }
  }
  const failed = [checks.reconcile, checks.underlay].filter(
    (c): c is { ok: boolean; detail: string } => c !== undefined && !c.ok,
  );
  if (failed.length) return { healthy: false, reason: `unhealthy: ${failed.map((c) => c.detail).join('; ')}`, checks };
  return {
    healthy: true,
    reason: `healthy: ${[checks.reconcile, checks.underlay]
      .filter((c) => c !== undefined)
      .map((c) => c.detail)
      .join('; ')}`,
    checks,
  };
}

function reconcileCheck(s: StatusFile, now: number): { ok: boolean; detail: string } {
  if (!s.found) return { ok: false, detail: s.reason };
  const st = s.status;
  const stale = staleness(st, now);
  if (stale) return { ok: false, detail: stale };
  if (st.ok) return { ok: true, detail: `last reconcile at ${st.at} converged` };
  if (st.error) return { ok: false, detail: `last reconcile at ${st.at} failed: ${firstLine(st.error)}` };
  if (st.conflicts.length)
    return {
      ok: false,
      detail: `last reconcile at ${st.at} left ${st.conflicts.length} conflict(s): ${firstLine(st.conflicts[0] ?? '')}`,
    };
  return { ok: false, detail: `last reconcile at ${st.at} did not converge${st.state ? ` (${st.state})` : ''}` };
}

const firstLine = (s: string): string => s.split('\n')[0] ?? s;

export interface HealthCheckOptions {
  runtime: RuntimeConfig;
  underlayRequired: boolean;
  /**
   * Budget for the reloader call. Default 10 s: FRR answers in tens of milliseconds on a
   * healthy node, but in seconds on a loaded or emulated one, and a slow answer is not an
   * unhealthy node; podman's --health-timeout bounds the whole check anyway.
   */
  reloaderTimeoutMs?: number;
}

export async function checkHealth(opts: HealthCheckOptions): Promise<HealthVerdict> {
  const status = await readStatusFile(opts.runtime);
  let bgp: BgpRead | undefined;
  // No point asking FRR when the reconcile already failed: the answer is "unhealthy" either way.
  if (opts.underlayRequired && status.found && status.status.ok)
    bgp = await readBgp(opts.runtime.reloaderSocket, opts.reloaderTimeoutMs ?? 10_000);
  return judgeHealth(status, opts.underlayRequired, bgp);
}

export async function readBgp(socket: string, timeoutMs: number): Promise<BgpRead> {
  try {
    return { ok: true, bgp: await new ReloaderClient(socket, { queryTimeoutMs: timeoutMs }).bgp() };
  } catch (e) {
    return { ok: false, error: messageOf(e) };
  }
}

// `apply` next to a running daemon goes through it: the daemon holds the writer lock, so the
// CLI asks it to re-read the config and converge now (SIGHUP, as `systemctl reload` does) and
// waits for the outcome in status.json — of a pass that STARTED after the request, so the answer
// is about the files as they are now, not about a pass that was already under way.

import { resolve } from 'node:path';
import type { RuntimeConfig } from '../config/types.js';
import type { ReconcileStatus } from '../reconcile/state-files.js';
import { readStatusFile } from './reconcile-status.js';
import { OperationalError } from '../errors.js';

export class DaemonAskError extends OperationalError {
  override name = 'DaemonAskError';
}

export interface AskOptions {
  /** The config the CLI was given: it must be the daemon's, or the daemon would apply another one. */
  configPath: string;
  timeoutMs?: number;
  /** How to wake the daemon (default SIGHUP). */
  signal?: (pid: number) => void;
  pollMs?: number;
}

/** The daemon's status after its pass for this request. */
export async function convergeThroughDaemon(
  rt: RuntimeConfig,
  daemonPid: number,
  o: AskOptions,
): Promise<ReconcileStatus> {
  const before = await readStatusFile(rt);
  const daemonConfig = before.found ? before.status.configOnDisk?.files[0] : undefined;
  if (daemonConfig !== undefined && resolve(daemonConfig) !== resolve(o.configPath)) {
    throw new DaemonAskError(
      `the daemon (pid ${daemonPid}) runs with ${daemonConfig}, not ${resolve(o.configPath)}: edit that file, or stop the daemon first`,
    );
  }
  const timeoutMs = o.timeoutMs ?? 300_000;
  const s = await passAfterWaking(rt, daemonPid, timeoutMs, o);
  if (!s)
    throw new DaemonAskError(
      `the daemon (pid ${daemonPid}) did not finish a pass within ${Math.round(timeoutMs / 1000)} s of the request (see \`evpn-node status\` and its log)`,
    );
  return s;
}

/** Wake the daemon and wait (10 s) until a pass after that leaves it in `state`; false if not. */
export async function daemonStandsAside(
  rt: RuntimeConfig,
  daemonPid: number,
  o: { state: string; signal?: (pid: number) => void; timeoutMs?: number },
): Promise<boolean> {
  const s = await passAfterWaking(rt, daemonPid, o.timeoutMs ?? 10_000, o).catch(() => undefined);
  return s?.state === o.state;
}

/** SIGHUP the daemon; its status.json once a pass that started after the signal has ended (undefined: timed out). */
async function passAfterWaking(
  rt: RuntimeConfig,
  daemonPid: number,
  timeoutMs: number,
  o: { signal?: (pid: number) => void; pollMs?: number },
): Promise<ReconcileStatus | undefined> {
  const requested = new Date().toISOString();
  (o.signal ?? ((p: number) => process.kill(p, 'SIGHUP')))(daemonPid);
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const s = await readStatusFile(rt);
    if (s.found && s.status.daemonPid === daemonPid && s.status.lastPass && s.status.lastPass.startedAt >= requested)
      return s.status;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 100));
  }
  return undefined;
}

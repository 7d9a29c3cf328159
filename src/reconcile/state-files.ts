// The node's state files, all named here (one place to look for what evpn-node leaves on a
// node), and the small ones read and written here too: last-good.yaml (the config that last
// applied), status.json (last reconcile result), kubelet.env (NODE_IP for kubelet), torn-down
// (a teardown done while the daemon runs: it stands aside until `apply`), frr-reload-pending
// (frr.conf may say something FRR does not run yet). The others have a module of their own,
// which takes its path from here: try.json (try-file.ts), lock (writer-lock.ts), creating.json
// (creating.ts), underlay/<nic>.json (nic-snapshots.ts).
//
// One writer per file: status.json is written by whoever owns the node's record at the time —
// the daemon (daemon/publish.ts) while it runs, else the one-shot apply or try
// (reconcile/one-shot.ts); converge() itself only returns its report.

import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { RuntimeConfig } from '../config/types.js';
import { readIfExists, writeFileAtomic, writeIfChanged } from '../io/atomic-file.js';

export const lastGoodPath = (rt: RuntimeConfig): string => join(rt.stateDir, 'last-good.yaml');
export const statusPath = (rt: RuntimeConfig): string => join(rt.runDir, 'status.json');
export const kubeletEnvPath = (rt: RuntimeConfig): string => join(rt.runDir, 'kubelet.env');
export const tornDownPath = (rt: RuntimeConfig): string => join(rt.runDir, 'torn-down');
export const reloadPendingPath = (rt: RuntimeConfig): string => join(rt.runDir, 'frr-reload-pending');
export const tryFilePath = (rt: RuntimeConfig): string => join(rt.runDir, 'try.json');
export const writerLockPath = (rt: RuntimeConfig): string => join(rt.runDir, 'lock');
export const creatingPath = (rt: RuntimeConfig): string => join(rt.runDir, 'creating.json');

/** A Linux interface name, and so a safe file name (teardown may read a NIC name from a config that does not validate). */
export const safeNicName = (nic: string): boolean => /^[A-Za-z0-9._-]{1,15}$/.test(nic) && nic !== '.' && nic !== '..';

/** In the state dir, not the run dir: a NIC handed back bare after a reboot must find it too. */
export function nicSnapshotPath(rt: RuntimeConfig, nic: string): string {
  if (!safeNicName(nic)) throw new Error(`not an interface name: ${JSON.stringify(nic)}`);
  return join(rt.stateDir, 'underlay', `${nic}.json`);
}

/**
 * Set (and synced) before frr.conf changes, cleared once FRR is known to run the file: a
 * writer killed in between — or a reload that timed out or failed half-way — leaves it, and
 * the next converge (daemon tick, start, apply) reloads FRR even though the file already says
 * the right thing. In the run dir: after a reboot FRR loads the file itself.
 */
export const markReloadPending = (rt: RuntimeConfig): Promise<void> =>
  writeFileAtomic(reloadPendingPath(rt), `${JSON.stringify({ at: new Date().toISOString() })}\n`, {
    mode: 0o644,
    dirMode: 0o755,
  });

export const reloadPending = async (rt: RuntimeConfig): Promise<boolean> =>
  (await readIfExists(reloadPendingPath(rt))) !== undefined;

export const clearReloadPending = (rt: RuntimeConfig): Promise<void> => rm(reloadPendingPath(rt), { force: true });

/**
 * `teardown --force` next to a running daemon leaves this, so the daemon's next pass (drift
 * tick, SIGHUP) does not build back what was just removed. Cleared by `apply` and `try` (they
 * bring the node back), and by a daemon start (starting the daemon means: bring it up).
 */
export const markTornDown = (rt: RuntimeConfig, by: string): Promise<void> =>
  writeFileAtomic(tornDownPath(rt), `${JSON.stringify({ at: new Date().toISOString(), by })}\n`, {
    mode: 0o644,
    dirMode: 0o755,
  });

export const readTornDown = (rt: RuntimeConfig): Promise<string | undefined> => readIfExists(tornDownPath(rt));

export const clearTornDown = (rt: RuntimeConfig): Promise<void> => rm(tornDownPath(rt), { force: true });

/** Persist the config that just applied; 0600 because it may hold passwords. */
export const saveLastGood = (rt: RuntimeConfig, yaml: string): Promise<boolean> =>
  writeIfChanged(lastGoodPath(rt), yaml, { mode: 0o600 });

export const readLastGood = (rt: RuntimeConfig): Promise<string | undefined> => readIfExists(lastGoodPath(rt));

/** Write kubelet.env when a primary interface is configured, remove ours when not. */
export async function syncKubeletEnv(rt: RuntimeConfig, text: string | undefined): Promise<boolean> {
  const path = kubeletEnvPath(rt);
  if (text !== undefined) return writeIfChanged(path, text, { mode: 0o644, dirMode: 0o755 });
  if ((await readIfExists(path)) === undefined) return false;
  await rm(path, { force: true });
  return true;
}

export interface ReconcileStatus {
  at: string;
  ok: boolean;
  durationMs: number;
  kernelOps: number;
  frrReloaded: boolean;
  conflicts: string[];
  error?: string;
  configFiles: string[];
  // Written by the daemon (`run`) on top of the converge result; absent after a one-shot apply.
  /** starting | waiting-config | waiting-frr | waiting-nic | waiting-lock | converged | degraded | try-in-progress | torn-down */
  state?: string;
  /** READY=1 was sent (first converge done and, if configured, underlay Established). */
  ready?: boolean;
  /** The config the kernel and FRR run now (sha256 of the merged YAML). */
  configInForce?: { files: string[]; sha256: string; source: 'disk' | 'last-good' };
  /** The config files as they are now: valid, or the first error (file:line:col: ...). */
  configOnDisk?: { files: string[]; sha256: string; valid: boolean; error?: string };
  /** The last thing that went wrong (kept after recovery until the next one). */
  lastError?: { at: string; message: string };
  /** The daemon's last pass (whatever it did): `apply` waits for one that started after its request. */
  lastPass?: { startedAt: string; endedAt: string; reasons: string[] };
  daemonPid?: number;
  /** When the daemon wrote this file: after every pass, and so at least every drift interval. */
  updatedAt?: string;
  /** The daemon's --drift-interval (0: off): how stale the file may get (status/reconcile-status.ts). */
  driftIntervalMs?: number;
}

export const writeStatus = (rt: RuntimeConfig, s: ReconcileStatus): Promise<void> =>
  writeFileAtomic(statusPath(rt), `${JSON.stringify(s, null, 2)}\n`, { mode: 0o644, dirMode: 0o755 });

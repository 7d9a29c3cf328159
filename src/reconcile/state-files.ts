// The small files evpn-node leaves for operators and other units: last-good.yaml (the config
// that last applied), status.json (last reconcile result), kubelet.env (NODE_IP for kubelet).

import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { RuntimeConfig } from '../config/types.js';
import { readIfExists, writeFileAtomic, writeIfChanged } from '../io/atomic-file.js';

export const lastGoodPath = (rt: RuntimeConfig): string => join(rt.stateDir, 'last-good.yaml');
export const statusPath = (rt: RuntimeConfig): string => join(rt.runDir, 'status.json');
export const kubeletEnvPath = (rt: RuntimeConfig): string => join(rt.runDir, 'kubelet.env');

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
  /** starting | waiting-config | waiting-frr | waiting-nic | converged | degraded | try-in-progress */
  state?: string;
  /** READY=1 was sent (first converge done and, if configured, underlay Established). */
  ready?: boolean;
  /** The config the kernel and FRR run now (sha256 of the merged YAML). */
  configInForce?: { files: string[]; sha256: string; source: 'disk' | 'last-good' };
  /** The config files as they are now: valid, or the first error (file:line:col: ...). */
  configOnDisk?: { files: string[]; sha256: string; valid: boolean; error?: string };
  /** The last thing that went wrong (kept after recovery until the next one). */
  lastError?: { at: string; message: string };
  daemonPid?: number;
}

export const writeStatus = (rt: RuntimeConfig, s: ReconcileStatus): Promise<void> =>
  writeFileAtomic(statusPath(rt), `${JSON.stringify(s, null, 2)}\n`, { mode: 0o644, dirMode: 0o755 });

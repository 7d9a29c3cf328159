// status.json as `status` and `health` read it: whatever the writer (a one-shot apply, or the
// daemon with its extra fields) put there, checked field by field, never trusted blindly.

import type { RuntimeConfig } from '../config/types.js';
import { readIfExists } from '../io/atomic-file.js';
import { statusPath, type ReconcileStatus } from '../reconcile/state-files.js';
import { messageOf } from '../errors.js';

export type StatusFile =
  { found: true; path: string; status: ReconcileStatus } | { found: false; path: string; reason: string };

export async function readStatusFile(rt: RuntimeConfig): Promise<StatusFile> {
  const path = statusPath(rt);
  let text: string | undefined;
  try {
    text = await readIfExists(path);
  } catch (e) {
    return { found: false, path, reason: `cannot read ${path}: ${messageOf(e)}` };
  }
  if (text === undefined) return { found: false, path, reason: `no reconcile yet (${path} does not exist)` };
  return parseStatusFile(path, text);
}

/**
 * How old the daemon's status.json may get: it is rewritten after every pass, and a drift tick
 * starts a pass every drift interval, so an older file means the daemon is stuck or gone. Two
 * intervals, for a tick that found a pass running, plus 2 minutes for a long pass (an FRR
 * reload of a large config, a slow machine): 3 minutes with the default 30 s, the controller's
 * WatchdogSec.
 */
export const staleAfterMs = (driftIntervalMs: number): number => 2 * driftIntervalMs + 120_000;

/**
 * Why a daemon's status.json is stale, or undefined. Judged only when the daemon wrote it with
 * its drift interval on: a one-shot `apply` writes it once, and without drift ticks nothing
 * rewrites it while all is quiet.
 */
export function staleness(s: ReconcileStatus, now: number): string | undefined {
  if (s.updatedAt === undefined || !s.driftIntervalMs) return undefined;
  const at = Date.parse(s.updatedAt);
  if (!Number.isFinite(at)) return undefined;
  const age = now - at;
  const limit = staleAfterMs(s.driftIntervalMs);
  if (age <= limit) return undefined;
  return `status.json is ${Math.round(age / 1000)} s old (the daemon${s.daemonPid !== undefined ? `, pid ${s.daemonPid},` : ''} rewrites it at least every ${s.driftIntervalMs / 1000} s drift interval; stale after 2 × that + 120 s = ${limit / 1000} s): the daemon is stuck or not running`;
}

/** Pure: the typed status, or why the text is not one. */
export function parseStatusFile(path: string, text: string): StatusFile {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return { found: false, path, reason: `${path} is not JSON` };
  }
  const s = o as Partial<ReconcileStatus> | null;
  if (typeof s !== 'object' || s === null || typeof s.ok !== 'boolean' || typeof s.at !== 'string') {
    return { found: false, path, reason: `${path} has no "ok"/"at" fields` };
  }
  const status: ReconcileStatus = {
    ...(s as ReconcileStatus),
    durationMs: typeof s.durationMs === 'number' ? s.durationMs : 0,
    kernelOps: typeof s.kernelOps === 'number' ? s.kernelOps : 0,
    frrReloaded: s.frrReloaded === true,
    conflicts: Array.isArray(s.conflicts) ? s.conflicts.map(String) : [],
    configFiles: Array.isArray(s.configFiles) ? s.configFiles.map(String) : [],
  };
  return { found: true, path, status };
}

// The daemon's side of `evpn-node try`: while <runDir>/try.json names a live process, that
// process owns the node's config and the daemon makes no change of its own (no reconcile on
// edits, no drift repair). A try.json whose process is gone means `try` died before deciding:
// the daemon removes it and reconciles from the files on disk, which is the rollback (`try`
// installs its candidate into config.yaml only on confirmation).

import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { RuntimeConfig } from '../config/types.js';
import { readIfExists } from '../io/atomic-file.js';

export interface TryLock {
  pid: number;
  startedAt?: string;
  deadline?: string;
}

export type TryState = { kind: 'none' } | { kind: 'active'; lock: TryLock } | { kind: 'stale'; lock: TryLock | undefined; why: string };

export const tryLockPath = (rt: RuntimeConfig): string => join(rt.runDir, 'try.json');

/** Pure: what a try.json text says, given a liveness test for pids. */
export function parseTryLock(text: string | undefined, alive: (pid: number) => boolean): TryState {
  if (text === undefined) return { kind: 'none' };
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return { kind: 'stale', lock: undefined, why: 'try.json is not JSON' };
  }
  const pid = (o as { pid?: unknown } | null)?.pid;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 1) return { kind: 'stale', lock: undefined, why: 'try.json holds no valid pid' };
  const lock = o as TryLock;
  return alive(pid) ? { kind: 'active', lock } : { kind: 'stale', lock, why: `try process ${pid} is gone` };
}

/** Signal 0 probes a pid: ESRCH = gone; EPERM = exists but not ours (still alive). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readTryState(rt: RuntimeConfig): Promise<TryState> {
  return parseTryLock(await readIfExists(tryLockPath(rt)), pidAlive);
}

export const removeTryLock = (rt: RuntimeConfig): Promise<void> => rm(tryLockPath(rt), { force: true });

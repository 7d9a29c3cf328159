// Who holds the writer lock (<runDir>/lock, reconcile/writer-lock.ts) right now: the daemon for
// its whole life, or a one-shot `apply`/`teardown`/`try` while it runs. What an operator needs
// when an apply waits or a teardown is refused: who, since when, which pid to look at.

import type { RuntimeConfig } from '../config/types.js';
import { describeHolder, liveHolder, readLockFile, type LockHolder } from '../io/lock-file.js';
import { writerLockPath } from '../reconcile/state-files.js';
import { messageOf } from '../errors.js';

/** What holds the lock, by its command: `run` is the daemon. */
export type WriterRole = 'daemon' | 'apply' | 'teardown' | 'try' | 'unknown';

export type WriterView = { path: string } &
  /**
   * error: the lock file could not be read, or is not one we wrote (then who holds it is unknown;
   * the next writer replaces it as stale).
   */
  ({ held: false; error?: string } | { held: true; pid: number; role: WriterRole; command: string; since: string });

/** The live holder of the writer lock (a holder whose process is gone holds nothing). */
export async function readWriter(rt: RuntimeConfig): Promise<WriterView> {
  const path = writerLockPath(rt);
  try {
    const r = await readLockFile(path);
    if (r.kind === 'foreign') return { path, held: false, error: r.why };
    return writerView(path, liveHolder(r));
  } catch (e) {
    return { path, held: false, error: messageOf(e) };
  }
}

/** Pure: the status view of a live holder (or of none). */
export function writerView(path: string, h: LockHolder | undefined): WriterView {
  if (!h) return { path, held: false };
  return { path, held: true, pid: h.pid, role: roleOf(h.command), command: h.command, since: h.since };
}

/** One line for `status`: "the daemon: `evpn-node run` (pid 42) since T" or who else. */
export function describeWriter(w: WriterView): string {
  if (!w.held) return w.error !== undefined ? `unknown: ${w.error}` : `free (nobody holds ${w.path})`;
  const who = w.role === 'daemon' ? 'the daemon' : w.role === 'unknown' ? 'an unknown writer' : `a one-shot ${w.role}`;
  return `${who}: ${describeHolder(w)}`;
}

function roleOf(command: string): WriterRole {
  if (command === 'run') return 'daemon';
  if (command === 'apply' || command === 'teardown' || command === 'try') return command;
  return 'unknown';
}

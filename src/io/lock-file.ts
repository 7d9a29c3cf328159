// An exclusive lock as a file that names its holder: {pid, command, since, startTime}. Created
// with link(2) of a fully written temp file, so it exists whole or not at all; held as long as
// the holder lives (a SIGKILLed holder leaves a stale file that the next taker replaces: no
// `rm` by hand after a crash). Node has no flock(2); a pid with its start time is what a
// crashed holder leaves behind that can be told from a live one, pid reuse included.
//
// Taking over a stale file is rename-then-check: the file is renamed to a private name and,
// should it turn out to be a live holder's (two takers raced), linked back.

import { link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { procInfo, processAlive } from './process-alive.js';
import { readIfExists } from './atomic-file.js';
import { FileReadError, KIB } from './bounded-read.js';

/** A holder's JSON is ~100 bytes: a bigger file is not one we wrote, and is not read whole. */
const MAX_LOCK_BYTES = 4 * KIB;
/** What a lock file that cannot be read within that bound reads as: text naming no holder. */
const UNREADABLE = '';

export interface LockHolder {
  pid: number;
  /** What the holder is doing, as the operator typed it: `run`, `apply`, `teardown`, `try`. */
  command: string;
  /** ISO time the lock was taken. */
  since: string;
  /** /proc start time of the pid (tells a reused pid apart). */
  startTime?: string;
}

export type LockAttempt = { ok: true; lock: HeldLock } | { ok: false; holder: LockHolder };

/**
 * A lock file as every reader here sees it. `foreign`: a file we did not write (too big, not a
 * regular file, not a holder's JSON): it names no holder, so the next taker replaces it as stale.
 */
export type LockFileRead =
  | { kind: 'absent' }
  | { kind: 'holder'; text: string; holder: LockHolder }
  | { kind: 'foreign'; text: string; why: string };

/** "`evpn-node apply` (pid 123) since 2026-…Z" */
export const describeHolder = (h: LockHolder): string => `\`evpn-node ${h.command}\` (pid ${h.pid}) since ${h.since}`;

/** Pure: the holder a lock file's text names, or undefined when it names none. */
export function parseHolder(text: string): LockHolder | undefined {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return undefined;
  }
  const h = o as Partial<LockHolder> | null;
  if (typeof h !== 'object' || h === null || typeof h.pid !== 'number' || !Number.isInteger(h.pid) || h.pid <= 1)
    return undefined;
  return {
    pid: h.pid,
    command: typeof h.command === 'string' ? h.command : '?',
    since: typeof h.since === 'string' ? h.since : '?',
    ...(typeof h.startTime === 'string' ? { startTime: h.startTime } : {}),
  };
}

export const holderAlive = (h: LockHolder): boolean => processAlive(h.pid, h.startTime);

/** The lock file at `path`; the one reader of it, so that taking, releasing and `status` agree. */
export async function readLockFile(path: string): Promise<LockFileRead> {
  let text: string | undefined;
  try {
    text = await readIfExists(path, MAX_LOCK_BYTES);
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    return { kind: 'foreign', text: UNREADABLE, why: e.message };
  }
  if (text === undefined) return { kind: 'absent' };
  const holder = parseHolder(text);
  return holder ? { kind: 'holder', text, holder } : { kind: 'foreign', text, why: `${path} names no holder` };
}

/** The live holder a lock file names, if any (a holder whose process is gone holds nothing). */
export const liveHolder = (r: LockFileRead): LockHolder | undefined =>
  r.kind === 'holder' && holderAlive(r.holder) ? r.holder : undefined;

/** The live holder of the lock at `path`, if any. */
export async function lockHolder(path: string): Promise<LockHolder | undefined> {
  return liveHolder(await readLockFile(path));
}

export class HeldLock {
  constructor(
    readonly path: string,
    readonly holder: LockHolder,
  ) {}

  /** Remove the file if it still names us. */
  async release(): Promise<void> {
    const r = await readLockFile(this.path);
    const ours = r.kind === 'holder' && r.holder.pid === this.holder.pid && r.holder.since === this.holder.since;
    if (ours) await rm(this.path, { force: true });
  }
}

/** Take the lock for `pid`, unless a live process holds it (then: who). */
export async function tryLock(path: string, me: { pid: number; command: string }): Promise<LockAttempt> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const info = procInfo(me.pid);
  const holder: LockHolder = {
    pid: me.pid,
    command: me.command,
    since: new Date().toISOString(),
    ...(info ? { startTime: info.startTime } : {}),
  };
  const tmp = join(dirname(path), `.${basename(path)}.${me.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(tmp, `${JSON.stringify(holder)}\n`, { mode: 0o644 });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(tmp, path);
        return { ok: true, lock: new HeldLock(path, holder) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const seen = await readLockFile(path);
      if (seen.kind === 'absent') continue; // released meanwhile
      if (seen.kind === 'holder' && holderAlive(seen.holder)) return { ok: false, holder: seen.holder };
      await takeOverStale(path, seen.text);
    }
    throw new Error(`cannot take the lock ${path}: it keeps changing hands`);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Move a stale lock file out of the way; put it back if what was moved is not what we judged. */
async function takeOverStale(path: string, staleText: string): Promise<void> {
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = await readLockFile(aside);
  if (moved.kind !== 'absent' && moved.text !== staleText) await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true });
}

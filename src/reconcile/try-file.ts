// <runDir>/try.json: "a try is in progress, owned by this pid, until this deadline". `try`
// writes it; the daemon makes no change of its own while the pid lives (src/daemon/daemon.ts
// reads it with readTryFile, and removes a stale one); `status` shows it; `try --confirm` finds
// the pid to signal here. A state file like those in state-files.ts, so it sits below all of its
// readers. Created exclusively (link(2) of a fully written temp file), so two tries can never
// both believe they own the node.

import { link, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RuntimeConfig } from '../config/types.js';
import { readIfExists, writeFileAtomic } from '../io/atomic-file.js';

export interface TryFile {
  pid: number;
  startedAt: string;
  /** When the try rolls back unless confirmed. */
  deadline: string;
  /** The candidate config file being tried (for `status` and humans). */
  candidate?: string;
}

export type TryFileState =
  | { state: 'none' }
  | { state: 'active'; file: TryFile }
  | { state: 'stale'; file?: TryFile; why: string };

export class TryBusyError extends Error {
  override name = 'TryBusyError';
}

export const tryFilePath = (rt: RuntimeConfig): string => join(rt.runDir, 'try.json');

/** Pure: what a try.json text says, given a liveness test for pids. */
export function parseTryFile(text: string | undefined, alive: (pid: number) => boolean): TryFileState {
  if (text === undefined) return { state: 'none' };
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return { state: 'stale', why: 'try.json is not JSON' };
  }
  const f = o as Partial<TryFile> | null;
  if (typeof f !== 'object' || f === null || typeof f.pid !== 'number' || !Number.isInteger(f.pid) || f.pid <= 1) {
    return { state: 'stale', why: 'try.json holds no valid pid' };
  }
  const file: TryFile = { pid: f.pid, startedAt: String(f.startedAt ?? ''), deadline: String(f.deadline ?? '') };
  if (typeof f.candidate === 'string') file.candidate = f.candidate;
  return alive(f.pid) ? { state: 'active', file } : { state: 'stale', file, why: `try process ${f.pid} is gone` };
}

/** Signal 0 probes a pid: ESRCH = gone; EPERM = exists but not ours (alive). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readTryFile(rt: RuntimeConfig, alive: (pid: number) => boolean = pidAlive): Promise<TryFileState> {
  return parseTryFile(await readIfExists(tryFilePath(rt)), alive);
}

/** Create try.json for us; TryBusyError when another live try holds it (a stale one is replaced). */
export async function claimTryFile(rt: RuntimeConfig, file: TryFile): Promise<void> {
  const path = tryFilePath(rt);
  await mkdir(rt.runDir, { recursive: true, mode: 0o755 });
  const tmp = join(rt.runDir, `.try.json.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o644 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(tmp, path);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      }
      const held = await readTryFile(rt);
      if (held.state === 'active') {
        throw new TryBusyError(`another try is in progress (pid ${held.file.pid}, rolls back at ${held.file.deadline}): confirm it with \`evpn-node try --confirm\` or wait`);
      }
      // Stale (its process died): the daemon rolls it back; we may take over the file.
      await rm(path, { force: true });
    }
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Rewrite our own try.json (the deadline moves once the candidate is applied). */
export const updateTryFile = (rt: RuntimeConfig, file: TryFile): Promise<void> =>
  writeFileAtomic(tryFilePath(rt), `${JSON.stringify(file, null, 2)}\n`, { mode: 0o644, dirMode: 0o755 });

/** Remove try.json if it is still ours. */
export async function releaseTryFile(rt: RuntimeConfig, pid: number): Promise<void> {
  const s = await readTryFile(rt, () => true);
  if (s.state !== 'none' && s.file?.pid === pid) await rm(tryFilePath(rt), { force: true });
}

/** Remove try.json whatever it holds: the daemon's clean-up of a try that died undecided. */
export const removeTryFile = (rt: RuntimeConfig): Promise<void> => rm(tryFilePath(rt), { force: true });

// <runDir>/try.json: "a try is in progress, owned by this pid, until this deadline". `try`
// writes it; the daemon makes no change of its own while the pid lives (src/daemon/hands-off.ts
// reads it with readTryFile, and removes a stale one); `status` shows it; `try --confirm` finds
// the pid to signal here. A state file like those in state-files.ts, so it sits below all of its
// readers. Created exclusively (link(2) of a fully written temp file), so two tries can never
// both believe they own the node.
//
// The deadline is enforced by whoever survives: a try that is still alive well past its
// deadline without having decided (stopped with Ctrl-Z, hung) is "expired", and the daemon or
// the next command that takes the writer lock kills it and rolls back (see writer-lock.ts).

import { link, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RuntimeConfig } from '../config/types.js';
import { readIfExists, writeFileAtomic } from '../io/atomic-file.js';
import { processAlive } from '../io/process-alive.js';
import { tryFilePath } from './state-files.js';

/** applying the candidate, waiting for the decision, then confirming or rolling back. */
export type TryPhase = 'applying' | 'waiting' | 'confirming' | 'rolling-back';

export interface TryFile {
  pid: number;
  startedAt: string;
  /** When the try rolls back unless confirmed. */
  deadline: string;
  /** The candidate config file being tried (for `status` and humans). */
  candidate?: string;
  /** What the try is doing, and since when (ISO): how long it may take before it counts as hung. */
  phase?: TryPhase;
  phaseAt?: string;
}

export type TryFileState =
  | { state: 'none' }
  | { state: 'active'; file: TryFile }
  /** Alive, but past its deadline without a decision (or hung deciding): to be killed and rolled back. */
  | { state: 'expired'; file: TryFile; why: string }
  | { state: 'stale'; file?: TryFile; why: string };

/** How long after its deadline a try that has not started deciding counts as expired. */
export const DEADLINE_GRACE_MS = 10_000;
/** How long a try may spend applying its candidate, or confirming / rolling back, before it counts as hung. */
export const PHASE_LIMIT_MS = 10 * 60_000;

/** Another try owns the node: its pid and, when known, when it rolls back. */
export class TryBusyError extends Error {
  override name = 'TryBusyError';
  constructor(pid: number, deadline: string | undefined) {
    super(
      `another try is in progress (pid ${pid}, rolls back at ${deadline ?? '?'}): confirm it with \`evpn-node try --confirm\` or wait`,
    );
  }
}

/**
 * Pure: what a try.json text says, given a liveness test for pids and, to judge the deadline,
 * the time now (epoch ms; omitted: the deadline is not judged).
 */
export function parseTryFile(text: string | undefined, alive: (pid: number) => boolean, now?: number): TryFileState {
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
  if (f.phase === 'applying' || f.phase === 'waiting' || f.phase === 'confirming' || f.phase === 'rolling-back')
    file.phase = f.phase;
  if (typeof f.phaseAt === 'string') file.phaseAt = f.phaseAt;
  if (!alive(f.pid)) return { state: 'stale', file, why: `try process ${f.pid} is gone` };
  const expired = now === undefined ? undefined : expiry(file, now);
  return expired ? { state: 'expired', file, why: expired } : { state: 'active', file };
}

/** Why a live try has overstayed, or undefined when it has not. */
function expiry(f: TryFile, now: number): string | undefined {
  const phase = f.phase ?? 'waiting';
  if (phase === 'waiting') {
    const deadline = Date.parse(f.deadline);
    if (Number.isFinite(deadline) && now > deadline + DEADLINE_GRACE_MS)
      return `try process ${f.pid} is still alive ${Math.round((now - deadline) / 1000)} s after its deadline ${f.deadline} without having rolled back (stopped with Ctrl-Z, or hung)`;
    return undefined;
  }
  const since = Date.parse(f.phaseAt ?? '');
  if (Number.isFinite(since) && now > since + PHASE_LIMIT_MS)
    return `try process ${f.pid} has been ${phase} for ${Math.round((now - since) / 1000)} s (hung)`;
  return undefined;
}

/** A live process, not a zombie, as /proc says (see io/process-alive.ts). */
export const pidAlive = (pid: number): boolean => processAlive(pid);

export async function readTryFile(
  rt: RuntimeConfig,
  alive: (pid: number) => boolean = pidAlive,
  now: number = Date.now(),
): Promise<TryFileState> {
  return parseTryFile(await readIfExists(tryFilePath(rt)), alive, now);
}

/** Create try.json for us; TryBusyError when another live try holds it (a stale one is replaced). */
export async function claimTryFile(rt: RuntimeConfig, file: TryFile): Promise<void> {
  const path = tryFilePath(rt);
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const tmp = join(dirname(path), `.try.json.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
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
      if (held.state === 'active' || held.state === 'expired') {
        throw new TryBusyError(held.file.pid, held.file.deadline);
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

// The writer lock: one file under the run dir, held by whatever changes the node — the daemon
// for its whole life, `apply` and `teardown` while they run, `try` while it runs without a
// daemon (with one, the daemon keeps the lock and stands aside for the try: try.json). Two
// writers interleaving `ip` batches and frr.conf reloads could leave a state neither planned.
//
// Taking it also enforces a try's deadline (whoever survives does): a try that holds the lock
// but is alive past its deadline without deciding — stopped with Ctrl-Z, hung — is killed, and
// what the taker does next (converge the files on disk, tear down, or a new try) replaces its
// candidate. A try.json whose process died undecided is removed the same way.

import type { Logger } from '../log.js';
import type { RuntimeConfig } from '../config/types.js';
import { describeHolder, tryLock, type HeldLock, type LockHolder } from '../io/lock-file.js';
import { processAlive } from '../io/process-alive.js';
import { readTryFile, removeTryFile, type TryFile } from './try-file.js';
import { writerLockPath } from './state-files.js';

/** How long an overdue try's kill is waited for (it is killed with SIGKILL). */
const KILL_WAIT_MS = 5000;

export type WriterCommand = 'run' | 'apply' | 'teardown' | 'try';

export type Writer =
  | { kind: 'held'; lock: HeldLock }
  /** Someone else writes: the holder, and its try.json when the holder is a try. */
  | { kind: 'busy'; holder: LockHolder; tryFile?: TryFile };

export interface TakeOptions {
  pid: number;
  command: WriterCommand;
  log: Logger;
  now?: () => number;
  /** How an overdue try is stopped (default SIGKILL). */
  kill?: (pid: number) => void;
}

export async function takeWriterLock(rt: RuntimeConfig, o: TakeOptions): Promise<Writer> {
  const now = o.now ?? Date.now;
  for (let round = 0; ; round++) {
    const a = await tryLock(writerLockPath(rt), { pid: o.pid, command: o.command });
    if (a.ok) {
      await dropDeadTry(rt, o);
      return { kind: 'held', lock: a.lock };
    }
    const t = a.holder.command === 'try' ? await readTryFile(rt, undefined, now()) : undefined;
    if (t?.state === 'expired' && t.file.pid === a.holder.pid && round < 3) {
      o.log.error(
        { tryPid: t.file.pid, deadline: t.file.deadline },
        `${t.why}: killing it; this \`evpn-node ${o.command}\` takes over (the try's candidate is not kept)`,
      );
      await killOverdueTry(rt, t.file.pid, { kill: o.kill });
      continue;
    }
    return { kind: 'busy', holder: a.holder, ...(t && t.state !== 'none' && t.file ? { tryFile: t.file } : {}) };
  }
}

/** One line naming who holds the lock and what it is doing. */
export function busyMessage(b: Extract<Writer, { kind: 'busy' }>, rt: RuntimeConfig): string {
  const h = b.holder;
  if (h.command === 'run') return `the daemon holds the writer lock ${writerLockPath(rt)}: ${describeHolder(h)}`;
  if (h.command === 'try')
    return `a try is in progress: ${describeHolder(h)}${b.tryFile ? `, rolls back at ${b.tryFile.deadline} unless confirmed` : ''}`;
  return `another evpn-node is changing the node: ${describeHolder(h)} holds the writer lock ${writerLockPath(rt)}`;
}

/** try.json of a try that died before deciding: its candidate is replaced by what this writer does now. */
async function dropDeadTry(rt: RuntimeConfig, o: TakeOptions): Promise<void> {
  const t = await readTryFile(rt, undefined, (o.now ?? Date.now)());
  if (t.state !== 'stale') return;
  o.log.warn(
    { why: t.why },
    `a try ended without a decision: removing try.json; this \`evpn-node ${o.command}\` replaces its candidate`,
  );
  await removeTryFile(rt);
}

/**
 * Stop a try past its deadline (SIGKILL unless `kill` says otherwise), give it up to 5 s to die,
 * and remove its try.json: whoever survives the try enforces its deadline — the next writer
 * here, the daemon in daemon/hands-off.ts. `sleep`: the daemon's, which its stop() cuts short.
 */
export async function killOverdueTry(
  rt: RuntimeConfig,
  pid: number,
  o: { kill?: ((pid: number) => void) | undefined; sleep?: (ms: number) => Promise<void> } = {},
): Promise<void> {
  try {
    (o.kill ?? ((p: number) => process.kill(p, 'SIGKILL')))(pid);
  } catch {
    // Gone already.
  }
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let waited = 0; waited < KILL_WAIT_MS && processAlive(pid); waited += 100) await sleep(100);
  await removeTryFile(rt);
}

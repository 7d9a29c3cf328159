// Whether someone else owns the node right now, asked at the start of every pass: another
// writer holds the writer lock (a one-shot `apply`/`teardown`, a try started without a
// daemon), a `teardown --force` left its torn-down mark, or a try's try.json names a live
// process. While one says so the daemon changes nothing. Each check says what the daemon's
// state becomes; the daemon applies it.
//
// The daemon holds the writer lock (reconcile/writer-lock.ts) from its first pass to its stop.
// A try's deadline is enforced here too: a try alive past it without deciding is killed.

import type { Logger } from '../log.js';
import type { RuntimeConfig } from '../config/types.js';
import type { HeldLock } from '../io/lock-file.js';
import { readTryFile, removeTryFile } from '../reconcile/try-file.js';
import { busyMessage, killOverdueTry, takeWriterLock } from '../reconcile/writer-lock.js';
import { clearTornDown, readTornDown } from '../reconcile/state-files.js';
import type { DaemonState } from './state.js';
import { messageOf } from '../errors.js';

/** go: nobody else owns the node. Else the daemon's state, and whether to look again soon. */
export type HandsOffVerdict =
  { go: true } | { go: false; state: DaemonState; detail?: string; tryPid?: number; pollAgain: boolean };

const GO: HandsOffVerdict = { go: true };

export interface HandsOffDeps {
  /** Our pid: the writer lock names it. */
  pid: number;
  log: Logger;
  /** A sleep that the daemon's stop() cuts short. */
  sleep: (ms: number) => Promise<void>;
}

export class HandsOff {
  private lock: HeldLock | undefined;
  private lockWait: string | undefined;

  constructor(private readonly deps: HandsOffDeps) {}

  /**
   * The writer lock, taken at the first pass and kept: not go (and a poll) while another
   * writer has it — a one-shot `apply`/`teardown` finishing, or a try started without a daemon
   * (whose deadline takeWriterLock enforces).
   */
  async holdLock(rt: RuntimeConfig): Promise<HandsOffVerdict> {
    if (this.lock) return GO;
    const { log } = this.deps;
    const w = await takeWriterLock(rt, { pid: this.deps.pid, command: 'run', log });
    if (w.kind === 'held') {
      this.lock = w.lock;
      this.lockWait = undefined;
      if (await readTornDown(rt)) {
        log.warn(
          'a teardown had asked the previous daemon to stand aside (torn-down): starting brings the node up again',
        );
        await clearTornDown(rt);
      }
      return GO;
    }
    const message = busyMessage(w, rt);
    if (message !== this.lockWait)
      log.warn({ holder: w.holder }, `${message}: waiting for it before changing anything`);
    this.lockWait = message;
    if (w.holder.command === 'try')
      return { go: false, state: 'try-in-progress', tryPid: w.holder.pid, pollAgain: true };
    return { go: false, state: 'waiting-lock', detail: message, pollAgain: true };
  }

  /** A `teardown --force` ran next to us: stand aside until `apply` clears the mark. */
  async tornDown(rt: RuntimeConfig, state: DaemonState): Promise<HandsOffVerdict> {
    const mark = await readTornDown(rt);
    if (mark === undefined) return GO;
    if (state !== 'torn-down')
      this.deps.log.warn(
        { mark: mark.trim() },
        'torn down by `evpn-node teardown`: making no changes until `evpn-node apply` (or a restart)',
      );
    return { go: false, state: 'torn-down', detail: '`evpn-node apply` brings the node back', pollAgain: false };
  }

  /** Not go while a try owns the config; removes a try.json whose process died. */
  async checkTry(rt: RuntimeConfig, state: DaemonState): Promise<HandsOffVerdict> {
    const { log } = this.deps;
    const t = await readTryFile(rt);
    if (t.state === 'active') {
      if (state !== 'try-in-progress')
        log.info({ tryPid: t.file.pid, deadline: t.file.deadline }, 'try in progress: making no changes until it ends');
      return { go: false, state: 'try-in-progress', tryPid: t.file.pid, pollAgain: true };
    }
    // Whoever survives enforces the deadline: the try cannot (stopped, hung), so we do.
    if (t.state === 'expired') {
      log.error(
        { tryPid: t.file.pid, deadline: t.file.deadline },
        `${t.why}: killing it and rolling back (applying the files on disk)`,
      );
      await killOverdueTry(rt, t.file.pid, { sleep: this.deps.sleep });
      return GO;
    }
    // A try.json whose process is gone means `try` died before deciding: the files on disk are
    // the rollback (`try` installs its candidate into config.yaml only on confirmation).
    if (t.state === 'stale') {
      log.warn({ why: t.why }, 'try ended without a decision: removing try.json and applying the files on disk');
      await removeTryFile(rt);
    } else if (state === 'try-in-progress') {
      log.info('try ended: applying the files on disk');
    }
    return GO;
  }

  /** At stop: the next writer may go. */
  async release(): Promise<void> {
    await this.lock
      ?.release()
      .catch((e: unknown) => this.deps.log.warn({ err: messageOf(e) }, 'cannot release the writer lock'));
  }
}

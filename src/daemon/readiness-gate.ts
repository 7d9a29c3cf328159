// READY=1 once the first converge has applied the kernel and FRR's config and (when configured)
// an underlay session is Established: the gate kubelet waits behind. It does not wait for that
// converge's verify re-observe and L3VNI check (they still decide the pass and repair what they
// find): on an emulated CPU they take over a second after the session is already up. It runs
// beside the passes, asking FRR through the reloader, until it opens once; after that the node
// stays "ready" for systemd.

import type { Logger } from '../log.js';
import type { LoadedConfig } from './config-source.js';

export interface GateHost {
  log: Logger;
  /** Epoch ms the daemon started: readiness.timeoutSeconds counts from it. */
  startedAt: number;
  /** How often to ask FRR (default 500 ms). */
  pollMs?: number;
  stopping(): boolean;
  inForce(): LoadedConfig | undefined;
  candidate(): LoadedConfig | undefined;
  /**
   * The config a converge has applied to the kernel and FRR (or that converged, or runs on some
   * of its NICs) — the in-force config once one converged; undefined before.
   */
  applied(): LoadedConfig | undefined;
  /** Is an underlay session Established, per `target`'s readiness rule (FRR, through the reloader). */
  underlayUp(target: LoadedConfig): Promise<boolean>;
  /** The gate just opened (`ready` is true already): READY=1 and publish. */
  opened(): Promise<void>;
  /** Still waiting for the underlay: publish (at most every 10 s). */
  waiting(): Promise<void>;
  noteError(message: string): void;
  /** setTimeout that stop() cancels. */
  later(ms: number, fn: () => void): void;
}

export class ReadinessGate {
  ready = false;
  /** An underlay session was seen Established (during or after the first converge). */
  private underlayUpSeen = false;
  private timeoutLogged = false;
  private wakeUp: (() => void) | undefined;
  /** wake() was called since the current look began: look again at once, not a poll later. */
  private woken = false;
  private markLooked: () => void = () => undefined;
  /**
   * Resolves once the gate has looked at what a converge applied (and sent READY=1 if that
   * opened it), or has stopped. The first converge waits for it before its verify, so that
   * READY=1 does not share one emulated CPU with the verify's processes.
   */
  readonly looked = new Promise<void>((r) => (this.markLooked = r));

  constructor(private readonly host: GateHost) {}

  /** A converge just applied or finished: look now instead of a poll later. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async run(): Promise<void> {
    try {
      await this.loop();
    } finally {
      this.markLooked();
    }
  }

  private async loop(): Promise<void> {
    // Every poll asks FRR (two vtysh runs in the reloader), every 500 ms. FRR is asked while the
    // first converge still runs too: the session usually comes up during it, right after FRR
    // gets its config, and READY=1 then follows the converge's kernel post phase at once instead
    // of a poll later (the lab holds READY=1 to < 2 s after the first Established session, on an
    // emulated CPU).
    const h = this.host;
    const poll = h.pollMs ?? 500;
    let lastStatusAt = 0;
    while (!h.stopping() && !this.ready) {
      this.woken = false;
      const target = h.inForce() ?? h.candidate();
      if (target?.inputs.config.readiness.underlayEstablished && !this.underlayUpSeen) {
        this.underlayUpSeen = await h.underlayUp(target);
        if (h.stopping()) return;
      }
      const applied = h.applied();
      if (applied) {
        const rd = applied.inputs.config.readiness;
        if (!rd.underlayEstablished || this.underlayUpSeen) {
          this.ready = true;
          h.log.info(
            {
              afterSeconds: Math.round((Date.now() - h.startedAt) / 1000),
              underlayEstablished: rd.underlayEstablished,
              firstConverge: h.inForce() === applied ? 'done' : 'verifying',
            },
            'ready',
          );
          await h.opened();
          this.markLooked();
          return;
        }
        const waited = Math.round((Date.now() - h.startedAt) / 1000);
        if (waited >= rd.timeoutSeconds && !this.timeoutLogged) {
          this.timeoutLogged = true;
          h.noteError(`no underlay BGP session Established after ${rd.timeoutSeconds} s`);
          h.log.error(
            { timeoutSeconds: rd.timeoutSeconds },
            'no underlay BGP session Established within readiness.timeoutSeconds: still not READY, still trying (kubelet keeps waiting: a node without its fabric is no use to it)',
          );
        }
        if (Date.now() - lastStatusAt >= 10_000) {
          lastStatusAt = Date.now();
          await h.waiting();
        }
        this.markLooked();
      }
      if (this.woken) continue;
      await new Promise<void>((r) => {
        this.wakeUp = r;
        h.later(poll, r);
      });
      this.wakeUp = undefined;
    }
  }
}

// Whether the daemon's work loop is alive, for systemd's watchdog (WatchdogSec= in the unit):
// WATCHDOG=1 is sent only while this says so, so a pass that hangs stops the pings and systemd
// restarts the controller (the network stays up meanwhile: the kernel and FRR keep running).
//
// Alive means: no pass is running (nothing can be stuck), or the running pass made progress
// recently. Progress is the pass starting and each ip or sysctl process of it finishing. Every
// step of a pass is bounded in time on its own (io/capture.ts, frr/reload-client.ts), so a
// pass that makes no progress for longer than `stuckAfterMs` is stuck in something that is not
// (a process that SIGKILL cannot end, a promise that never settles, a read that never returns).
// Pure: the daemon feeds it events and a clock.

export class Heartbeat {
  private running = false;
  private lastProgress: number;

  /**
   * @param stuckAfterMs a running pass silent for longer than this is stuck. The daemon uses
   *   WatchdogSec itself and pings every WatchdogSec/4, so systemd acts 1.75 to 2 × WatchdogSec
   *   after the last progress: with 3 min, 5.25 min or more, longer than any single step may
   *   take (the longest, POST /reload, gives up after 5 min; reloader exchanges are not counted
   *   as progress, only ip and sysctl processes are).
   */
  constructor(
    private readonly stuckAfterMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastProgress = now();
  }

  passStarted(): void {
    this.running = true;
    this.lastProgress = this.now();
  }

  /** A step of the running pass finished (successfully or not). */
  progress(): void {
    this.lastProgress = this.now();
  }

  passEnded(): void {
    this.running = false;
    this.lastProgress = this.now();
  }

  /** True when WATCHDOG=1 may be sent. */
  alive(): boolean {
    return !this.running || this.now() - this.lastProgress <= this.stuckAfterMs;
  }

  /** How long the running pass has made no progress (0 when idle), for the log. */
  silentForMs(): number {
    return this.running ? this.now() - this.lastProgress : 0;
  }
}

/**
 * systemd's watchdog interval from the environment it sets (sd_watchdog_enabled(3)):
 * WATCHDOG_USEC, for this process unless WATCHDOG_PID names another. Under podman the unit sets
 * it for the container explicitly (podman does not pass systemd's own on). undefined: no watchdog.
 */
export function watchdogFromEnv(env: Record<string, string | undefined>, pid: number): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isSafeInteger(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return Math.max(1, Math.round(usec / 1000));
}

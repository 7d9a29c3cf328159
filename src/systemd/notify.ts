// sd_notify for a Node process: Node's core cannot send an AF_UNIX datagram, so each message is
// ONE run of Debian's `systemd-notify` with every assignment as an argument (systemd-notify 252
// joins its arguments with "\n" into a single datagram, so RELOADING=1 and MONOTONIC_USEC travel
// together as systemd requires).
//
// `--no-block`: without it systemd-notify follows each message with a BARRIER=1 datagram and
// waits up to 5 s for the receiver to close the passed fd. In the controller container the
// receiver is conmon (podman --sdnotify=container), which relays the message as itself
// (MAINPID = conmon), so the "sender exited before systemd looked it up" race the barrier
// guards against does not arise. Run the daemon directly under systemd (no podman) and that
// race exists: pass `barrier: true` there, with NotifyAccess=all.
//
// No socket: nothing is sent (debug log). A failed send is logged and survived: readiness
// reporting must never take the daemon down (zigbee2mqtt's lesson).

import { runCaptured } from '../io/capture.js';
import type { Logger } from '../log.js';
import { messageOf } from '../errors.js';

export interface Notifier {
  /** READY=1, with a status line. */
  ready(status: string): Promise<void>;
  /** RELOADING=1 + MONOTONIC_USEC (taken now), with a status line; follow with ready(). */
  reloading(status: string): Promise<void>;
  /** STOPPING=1, with a status line. */
  stopping(status: string): Promise<void>;
  /** STATUS=… only (sent when the text changes). */
  status(text: string): Promise<void>;
  /** WATCHDOG=1: the work loop is alive (daemon/heartbeat.ts decides when). */
  watchdog(): Promise<void>;
}

export interface SystemdNotifyOptions {
  /** $NOTIFY_SOCKET as the process got it (read by the CLI); undefined or empty: no-op. */
  socket: string | undefined;
  log: Logger;
  /** The systemd-notify binary (default: from PATH). */
  binary?: string;
  /** Let systemd-notify wait for the manager to process each message (see the header). */
  barrier?: boolean;
}

/**
 * CLOCK_MONOTONIC in microseconds. systemd compares MONOTONIC_USEC with its own
 * now(CLOCK_MONOTONIC) taken when it sent the reload signal (a RELOADING=1 older than that is a
 * stale one), so the clock must be exactly CLOCK_MONOTONIC, not uptime (/proc/uptime is
 * CLOCK_BOOTTIME, which runs on during suspend). process.hrtime() is libuv's uv_hrtime(), which
 * on Linux is clock_gettime(CLOCK_MONOTONIC); test/unit/daemon/notify.test.ts brackets it with
 * Python's time.clock_gettime(CLOCK_MONOTONIC) to prove it. CLOCK_MONOTONIC is not namespaced
 * by podman (no time namespace), so the container and systemd read the same clock.
 */
export const monotonicUsec = (): bigint => process.hrtime.bigint() / 1000n;

/** A status line as one assignment: systemd reads one line per assignment. */
export const statusLine = (text: string): string => `STATUS=${text.replace(/[\r\n]+/g, ' ').slice(0, 400)}`;

export class SystemdNotify implements Notifier {
  private queue: Promise<void> = Promise.resolve();
  private lastStatus: string | undefined;

  constructor(private readonly opts: SystemdNotifyOptions) {}

  get enabled(): boolean {
    return !!this.opts.socket;
  }

  ready(status: string): Promise<void> {
    return this.send(['READY=1', statusLine(status)]);
  }

  reloading(status: string): Promise<void> {
    // Taken now, when the reload begins: systemd sent its signal before this point.
    return this.send(['RELOADING=1', `MONOTONIC_USEC=${monotonicUsec()}`, statusLine(status)]);
  }

  stopping(status: string): Promise<void> {
    return this.send(['STOPPING=1', statusLine(status)]);
  }

  status(text: string): Promise<void> {
    const line = statusLine(text);
    if (line === this.lastStatus) return this.queue;
    return this.send([line]);
  }

  watchdog(): Promise<void> {
    return this.send(['WATCHDOG=1']);
  }

  /** Messages go out one at a time, in the order they were asked for. */
  private send(assignments: string[]): Promise<void> {
    const status = assignments.find((a) => a.startsWith('STATUS='));
    if (status) this.lastStatus = status;
    const run = async (): Promise<void> => {
      const { socket, log } = this.opts;
      if (!socket) {
        log.debug({ notify: assignments }, 'NOTIFY_SOCKET not set: not telling systemd');
        return;
      }
      const args = [...(this.opts.barrier ? [] : ['--no-block']), ...assignments];
      try {
        const r = await runCaptured(this.opts.binary ?? 'systemd-notify', args, undefined, {
          env: { NOTIFY_SOCKET: socket },
          timeoutMs: 10_000,
        });
        if (r.exitCode !== 0)
          log.warn(
            { notify: assignments, exitCode: r.exitCode, stderr: r.stderr.trim() },
            'systemd-notify failed; carrying on',
          );
        else log.debug({ notify: assignments }, 'told systemd');
      } catch (e) {
        log.warn({ notify: assignments, err: messageOf(e) }, 'cannot run systemd-notify; carrying on');
      }
    };
    this.queue = this.queue.then(run);
    return this.queue;
  }
}

// IO: the one way evpn-node runs a process and waits for it (every ip and sysctl: the kernel
// layer through kernel/runner.ts, netns/resolve.ts, config/identity-facts.ts; systemd-notify;
// podman --version). The one process left outside is the long-running `ip monitor`
// (daemon/netlink-monitor.ts), read while it runs.
//
// Stdout is captured in an unlinked temporary file instead of a pipe.
// ip writes through a 4 KB stdio buffer, so a pipe hands an `ip -j -d` dump to node in ~2 KB
// chunks: at 1000 VNIs, ~2000 callbacks and 45-90 ms of node CPU per 4 MB dump (execa), against
// ~15 ms to read the file back in one go. The file is unlinked before ip starts: nothing is
// left behind, whatever happens.
//
// Every process is bounded in time: past its timeout it is killed with SIGKILL together with its
// process group (it is started as the leader of a new one: `ip netns exec` and a shell wrapper
// have children), and the call fails naming the command and the time it was given. A process
// that does not even die (stuck in the kernel, in D state) is given up on after a grace period,
// so no caller waits forever; the daemon's watchdog covers what is left.

import { spawn } from 'node:child_process';
import { OperationalError } from '../errors.js';
import { open, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a finished process left: its output and exit code (the runner in runner.ts hands it on). */
export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** How long one process may run by default. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;

/** After SIGKILL, how long to wait for the process to be gone before giving up on it. */
const KILL_GRACE_MS = 5_000;

export class CommandTimeoutError extends OperationalError {
  override name = 'CommandTimeoutError';
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
    readonly exited: boolean,
  ) {
    super(
      `${command} did not finish within ${timeoutMs / 1000} s: killed it and its process group` +
        (exited ? '' : ` (it had not exited ${KILL_GRACE_MS / 1000} s after SIGKILL: stuck in the kernel?)`),
    );
  }
}

export interface CaptureOptions {
  /** Default DEFAULT_COMMAND_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Variables added to the environment the process inherits (systemd-notify's NOTIFY_SOCKET). */
  env?: Record<string, string>;
}

/** `file ...args` with `input` on stdin (none: /dev/null). Never throws on a non-zero exit; throws CommandTimeoutError. */
export async function runCaptured(
  file: string,
  args: string[],
  input?: string,
  opts: CaptureOptions = {},
): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const path = join(tmpdir(), `evpn-node-${process.pid}-${randomBytes(6).toString('hex')}.out`);
  const out = await open(path, 'wx+', 0o600);
  try {
    await unlink(path);
    const { exitCode, stderr } = await new Promise<{ exitCode: number; stderr: string }>((resolve, reject) => {
      // detached: the child leads a process group of its own, which a timeout kills whole.
      const env = opts.env ? { ...process.env, ...opts.env } : undefined;
      const child = spawn(file, args, {
        stdio: [input === undefined ? 'ignore' : 'pipe', out.fd, 'pipe'],
        detached: true,
        ...(env ? { env } : {}),
      });
      const err: Buffer[] = [];
      const pending: { timer?: NodeJS.Timeout } = {};
      let done = false;
      const finish = (f: () => void): void => {
        if (done) return;
        done = true;
        clearTimeout(pending.timer);
        f();
      };
      child.stderr!.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => finish(() => reject(new Error(`${file}: could not start: ${e.message}`, { cause: e }))));
      child.on('close', (code) =>
        finish(() => resolve({ exitCode: code ?? 1, stderr: Buffer.concat(err).toString('utf8') })),
      );
      if (child.stdin) {
        // A child that exits without reading its input (a usage error) must not crash us with EPIPE.
        child.stdin.on('error', () => undefined);
        child.stdin.end(input);
      }
      let exited = false;
      child.on('exit', () => (exited = true));
      pending.timer = setTimeout(() => {
        const command = [file, ...args].join(' ');
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
        const gaveUp = (hasExited: boolean) => () => {
          child.stderr?.destroy();
          reject(new CommandTimeoutError(command, timeoutMs, hasExited));
        };
        // 'exit', not 'close': a process that left the group may still hold stderr open.
        if (exited) return finish(gaveUp(true));
        const grace = setTimeout(() => finish(gaveUp(false)), KILL_GRACE_MS);
        child.once('exit', () => {
          clearTimeout(grace);
          finish(gaveUp(true));
        });
      }, timeoutMs);
    });
    // The child shared our file offset: read by position.
    const { size } = await out.stat();
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await out.read(buf, got, size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { stdout: buf.toString('utf8', 0, got), stderr, exitCode };
  } finally {
    await out.close();
  }
}

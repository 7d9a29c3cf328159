// Test harness for `evpn-node run`: the daemon as a long-running child inside the node netns,
// and a real AF_UNIX SOCK_DGRAM listener standing in for systemd's notify socket (Node cannot
// bind one: a tiny Python listener prints each datagram on its own line, stamped with
// CLOCK_MONOTONIC in µs at receipt).

import { execa, type ResultPromise } from 'execa';
import { rm } from 'node:fs/promises';
import { ROOT, type Fabric } from '../helpers/fabric.js';

export interface Datagram {
  /** CLOCK_MONOTONIC µs when the listener received it. */
  at: bigint;
  /** The assignments, one per line of the datagram. */
  lines: string[];
}

export interface NotifyListener {
  socket: string;
  messages: Datagram[];
  stop(): Promise<void>;
}

const LISTENER = `
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    d = s.recv(65536)
    print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000, d.decode().replace("\\n", "\\x1f"), flush=True)
`;

export async function listenNotify(socket: string): Promise<NotifyListener> {
  await rm(socket, { force: true });
  const p = execa('python3', ['-u', '-c', LISTENER, socket], { reject: false, buffer: false });
  const messages: Datagram[] = [];
  let buf = '';
  await new Promise<void>((resolve, reject) => {
    p.stdout?.on('data', (c: Buffer) => {
      buf += c.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'listening') resolve();
        const m = /^(\d+) (.*)$/s.exec(line);
        if (m) messages.push({ at: BigInt(m[1] as string), lines: (m[2] as string).split('\x1f') });
      }
    });
    setTimeout(() => reject(new Error('notify listener did not start')), 10_000);
  });
  return {
    socket,
    messages,
    stop: async () => {
      p.kill('SIGTERM');
      await p;
      await rm(socket, { force: true });
    },
  };
}

/** CLOCK_MONOTONIC in µs, read by another process (the clock systemd uses). */
export async function monotonicNow(): Promise<bigint> {
  const { stdout } = await execa('python3', [
    '-c',
    'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)',
  ]);
  return BigInt(stdout.trim());
}

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

export interface DaemonProc {
  proc: ResultPromise;
  pid: number;
  /** Parsed JSON log lines, stdout and stderr merged in arrival order. */
  logs: LogLine[];
  stderr: string[];
  exited: Promise<number | undefined>;
}

export function startDaemon(f: Fabric, notifySocket: string, ...extra: string[]): DaemonProc {
  return startDaemonWith(f, { notifySocket, args: extra });
}

/** The same, with more environment (WATCHDOG_USEC, a PATH with a stand-in `ip`). */
export function startDaemonWith(
  f: Fabric,
  o: { notifySocket: string; env?: Record<string, string>; args?: string[] },
): DaemonProc {
  const proc = execa(
    'ip',
    [
      'netns',
      'exec',
      f.node,
      `${ROOT}bin/evpn-node`,
      '--config',
      f.configPath,
      'run',
      '--drift-interval',
      '2',
      ...(o.args ?? []),
    ],
    {
      env: { NOTIFY_SOCKET: o.notifySocket, ...o.env },
      reject: false,
      buffer: false,
    },
  );
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const collect = (isErr: boolean) => {
    let buf = '';
    return (c: Buffer) => {
      buf += c.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (isErr) stderr.push(line);
        try {
          logs.push(JSON.parse(line) as LogLine);
        } catch {
          logs.push({ level: isErr ? 50 : 30, msg: line });
        }
      }
    };
  };
  proc.stdout?.on('data', collect(false));
  proc.stderr?.on('data', collect(true));
  return { proc, pid: proc.pid as number, logs, stderr, exited: proc.then((r) => r.exitCode) };
}

/** Reconcile lines: converge logs exactly one per reconcile, with the pass's reasons. */
export const reconcileLines = (d: DaemonProc, reason?: string): LogLine[] =>
  d.logs.filter(
    (l) =>
      (l.msg === 'converged' || l.msg === 'converged except for conflicts') &&
      (reason === undefined || String(l.reason).split(',').includes(reason)),
  );

export const statusOf = (m: Datagram): string | undefined => m.lines.find((l) => l.startsWith('STATUS='))?.slice(7);

/**
 * An afterEach hook: when a test failed, print the daemon's last log lines (the fastest way to
 * see why). `daemon` is read at hook time: the tests start and replace their daemon as they go.
 */
export const logDaemonOnFailure =
  (daemon: () => DaemonProc | undefined, lines = 40, extra = () => '') =>
  (ctx: { task: { result?: { state?: string } } }): void => {
    const d = daemon();
    if (ctx.task.result?.state !== 'fail' || !d) return;
    const tail = d.logs
      .slice(-lines)
      .map((l) => JSON.stringify(l))
      .join('\n');
    console.warn(`daemon log (last ${lines} lines):\n${tail}${extra()}`);
  };

// A stuck `ip` on the fabric, and what systemd sees. The daemon runs as the controller unit runs
// it (WATCHDOG_USEC in its environment, NOTIFY_SOCKET a real AF_UNIX datagram socket), with a
// stand-in `ip` first in PATH: the real ip, except that while a marker file exists every
// `ip -batch` (observe and apply) hangs, with a child, as an ip stuck on the RTNL lock would.
//
// What must be true: WATCHDOG=1 arrives every quarter interval while the loop is alive; a pass
// stuck in the hung ip stops it for longer than the interval (systemd's rule: no WATCHDOG=1
// within WatchdogSec → the unit is restarted); the hung process is killed with its children
// after --command-timeout, the error names it and the time; the next pass repairs the node and
// the pings come back.
//
// Not here: systemd acting on the silence (WatchdogSignal to conmon, Restart=on-failure). The
// development host has no systemd as PID 1, so neither this file nor a transient systemd-run
// unit can show it; that needs a lab scenario (the guest runs systemd 257).
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, fabricUp, ipJson, nodeConfigYaml, type Fabric } from '../helpers/fabric.js';
import { haveFrr, waitFor } from '../helpers/frr.js';
import {
  listenNotify,
  startDaemonWith,
  type DaemonProc,
  type NotifyListener,
  logDaemonOnFailure,
} from './daemon-helpers.js';

const ready = process.getuid?.() === 0 && haveFrr();
if (!ready) console.warn('watchdog: skipped — needs root and Debian frr/frr-pythontools (scripts/setup installs them)');

const WATCHDOG_MS = 4000;
const COMMAND_TIMEOUT_S = 20;
/** The hung ip's children sleep this long: how the test finds them. */
const HANG_SECS = '3141';

describe.skipIf(!ready)('systemd watchdog and a stuck ip', { timeout: 240_000 }, () => {
  let f: Fabric;
  let n: NotifyListener | undefined;
  let d: DaemonProc | undefined;
  let bin: string;

  const pings = (): bigint[] => n!.messages.filter((m) => m.lines.includes('WATCHDOG=1')).map((m) => m.at);
  const ours = async (): Promise<string[]> =>
    (await ipJson<Array<{ ifname: string; ifalias?: string }>>(f.netns, 'link', 'show'))
      .filter((l) => l.ifalias === 'evpn-node')
      .map((l) => l.ifname)
      .sort();
  const hung = async (): Promise<string[]> =>
    (await execa('pgrep', ['-f', `sleep ${HANG_SECS}`], { reject: false })).stdout.split('\n').filter(Boolean);
  const logged = (re: RegExp) => d!.logs.filter((l) => re.test(l.msg));
  /** The longest time without WATCHDOG=1 among pings after `from` (µs). */
  const longestGap = (from: bigint): bigint => {
    const at = pings().filter((t) => t >= from);
    let max = 0n;
    for (let i = 1; i < at.length; i++) if (at[i]! - at[i - 1]! > max) max = at[i]! - at[i - 1]!;
    return max;
  };

  beforeAll(async () => {
    await buildCli().catch((e: Error) =>
      console.warn(`watchdog: tsc reported errors; using the emitted dist/: ${e.message.split('\n')[0]}`),
    );
    f = await fabricUp('hd');
    bin = await mkdtemp(join(tmpdir(), 'hd-bin-'));
    const realIp = (await execa('sh', ['-c', 'command -v ip'])).stdout.trim();
    await writeFile(
      join(bin, 'ip'),
      `#!/bin/sh
# Stand-in for ip (watchdog.test.ts): while ${bin}/hang exists, every ip -batch hangs, with a child.
if [ -e ${bin}/hang ]; then
  case " $* " in *" -batch "*) sleep ${HANG_SECS} & sleep ${HANG_SECS}; wait; exit 1;; esac
fi
exec ${realIp} "$@"
`,
    );
    await chmod(join(bin, 'ip'), 0o755);
    await f.writeConfig(
      nodeConfigYaml(f, { primary: false, tail: 'readiness:\n  underlayEstablished: true\n  timeoutSeconds: 300\n' }),
    );
  });
  afterEach(logDaemonOnFailure(() => d, 40));
  afterAll(async () => {
    await rm(join(bin ?? '/nonexistent', 'hang'), { force: true });
    d?.proc.kill('SIGKILL');
    await d?.exited;
    await n?.stop();
    await execa('pkill', ['-f', `sleep ${HANG_SECS}`], { reject: false });
    await f?.down();
    if (bin) await rm(bin, { recursive: true, force: true });
  });

  test('alive: READY=1, then WATCHDOG=1 every quarter interval', async () => {
    n = await listenNotify(`${f.runDir}/notify-wd.sock`);
    d = startDaemonWith(f, {
      notifySocket: n.socket,
      env: {
        WATCHDOG_USEC: String(WATCHDOG_MS * 1000),
        PATH: `${bin}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`,
      },
      args: ['--command-timeout', String(COMMAND_TIMEOUT_S)],
    });
    await waitFor(async () => n!.messages.some((m) => m.lines.includes('READY=1')), 120_000, 'READY=1');
    const from = pings().at(-1) ?? 0n;
    await new Promise((r) => setTimeout(r, 6000));
    expect(pings().filter((t) => t > from).length).toBeGreaterThanOrEqual(3);
    expect(longestGap(from)).toBeLessThan(BigInt(WATCHDOG_MS * 1000));
    expect(logged(/systemd watchdog on/)).toHaveLength(1);
  });

  test('a pass stuck in a hung ip: no WATCHDOG=1 for longer than the interval; the ip is killed with its child after --command-timeout; the node is repaired', async () => {
    await writeFile(join(bin, 'hang'), '');
    // A link deleted by hand: the next drift tick observes the kernel, and its ip hangs.
    await execa('ip', ['-n', f.netns, 'link', 'del', 'vni110']);
    await waitFor(async () => (await hung()).length >= 2, 30_000, 'the hung ip and its child');
    await waitFor(async () => logged(/reconcile pass stuck/).length > 0, 30_000, 'the stuck pass said');
    const stuck = logged(/reconcile pass stuck/)[0] as { silentMs?: number };
    expect(stuck.silentMs).toBeGreaterThan(WATCHDOG_MS);
    // systemd's rule: WatchdogSec without WATCHDOG=1 and the unit is restarted. Here the pass
    // stays stuck until the command timeout, so the silence lasts well past the interval.
    const silentSince = pings().at(-1)!;
    await new Promise((r) => setTimeout(r, WATCHDOG_MS + 1000));
    expect(pings().at(-1)).toBe(silentSince);
    await rm(join(bin, 'hang'));

    // The host's and the router's observe hang side by side; whichever times out first is named.
    const timedOut = () => logged(/reconcile (pass )?failed/).find((l) => /did not finish within/.test(String(l.err)));
    await waitFor(async () => timedOut() !== undefined, COMMAND_TIMEOUT_S * 1000 + 30_000, 'the timeout error');
    expect(String(timedOut()!.err)).toMatch(
      new RegExp(
        `^ip (-n ${f.netns} )?-N -j -d -batch - did not finish within ${COMMAND_TIMEOUT_S} s: killed it and its process group$`,
      ),
    );
    await waitFor(async () => (await hung()).length === 0, 5000, 'the hung ip and its child gone');
    await waitFor(async () => (await ours()).includes('vni110'), 60_000, 'vni110 restored');
    await waitFor(async () => pings().at(-1)! > silentSince, 10_000, 'WATCHDOG=1 again');
    const gap = pings().find((t) => t > silentSince)! - silentSince;
    expect(gap).toBeGreaterThan(BigInt(WATCHDOG_MS * 1000));
    expect(d!.proc.exitCode).toBeNull();
  });
});

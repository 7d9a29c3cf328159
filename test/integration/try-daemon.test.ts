// `try` next to a running daemon (`evpn-node run`): the try.json hand-off both ways. While a
// try lives, the daemon (drift check every 2 s) leaves the candidate alone; a confirmed candidate
// becomes the daemon's config in force; a try killed with SIGKILL is rolled back by the daemon
// (it applies config.yaml, which never held the candidate); in-place tries are refused.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ResultPromise } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { buildCli, fabricUp, ipJson, nodeConfigYaml, type Fabric } from '../helpers/fabric.js';
import { haveFrr, waitFor } from '../helpers/frr.js';
import { listenNotify, startDaemon, type DaemonProc, type NotifyListener } from './daemon-helpers.js';

const ready = process.getuid?.() === 0 && haveFrr();
if (!ready)
  console.warn('try-daemon: skipped — needs root and Debian frr/frr-pythontools (scripts/setup installs them)');

const config = (f: Fabric, hostAddress = '192.170.10.20/24'): string => nodeConfigYaml(f, { hostAddress });

type AddrLink = { addr_info: Array<{ local: string; prefixlen: number; family: string }> };
type Status = {
  state?: string;
  daemonPid?: number;
  configInForce?: { sha256: string };
  configOnDisk?: { sha256: string };
};

describe.skipIf(!ready)('try with the daemon running', { timeout: 180_000 }, () => {
  let f: Fabric;
  let n: NotifyListener | undefined;
  let d: DaemonProc | undefined;
  let candidate: string;
  const hostAddrs = async (): Promise<string[]> => {
    const links = await ipJson<AddrLink[]>(f.node, 'addr', 'show', 'dev', 'br-hs-110').catch(() => [] as AddrLink[]);
    return (links[0]?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
  };
  const status = async (): Promise<Status> => JSON.parse(await readFile(`${f.runDir}/status.json`, 'utf8')) as Status;
  const startTry = (...args: string[]) => f.cli('try', ...args) as ResultPromise<{ reject: false }>;
  const tryJson = () => `${f.runDir}/try.json`;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    await buildCli().catch((e: Error) =>
      console.warn(`try-daemon: tsc reported errors; using the emitted dist/: ${e.message.split('\n')[0]}`),
    );
    f = await fabricUp('tr');
    candidate = `${f.configDir}/config.yaml.new`;
    await f.writeConfig(config(f));
    n = await listenNotify(`${f.runDir}/notify.sock`);
    d = startDaemon(f, n.socket);
    await waitFor(async () => n!.messages.some((m) => m.lines.includes('READY=1')), 90_000, 'the daemon READY=1');
  });
  afterAll(async () => {
    d?.proc.kill('SIGTERM');
    await d?.exited;
    await n?.stop();
    await f?.down();
  });

  test('the daemon leaves a live try alone (no drift repair), and the timeout rolls back', async () => {
    await writeFile(candidate, config(f, '192.170.10.21/24'));
    const p = startTry(candidate, '--timeout', '6');
    await waitFor(async () => (await hostAddrs()).includes('192.170.10.21/24'), 20_000, 'the candidate address');
    await waitFor(async () => (await status()).state === 'try-in-progress', 10_000, 'daemon state try-in-progress');
    // Two drift intervals: the daemon would have put .20 back by now if it were not standing aside.
    await sleep(4500);
    expect(await hostAddrs()).toEqual(['192.170.10.21/24']);
    const r = await p;
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/rolled back to the last good config: not confirmed within 6 s/);
    // The hand-off was acknowledged before the candidate was applied (SIGHUP → a pass that saw try.json).
    expect(r.stderr.indexOf('stands aside until this try ends')).toBeGreaterThan(-1);
    expect(r.stderr.indexOf('stands aside until this try ends')).toBeLessThan(r.stderr.indexOf('Applied '));
    expect(await hostAddrs()).toEqual(['192.170.10.20/24']);
    await waitFor(async () => (await status()).state === 'converged', 30_000, 'daemon converged again');
    expect(await hostAddrs()).toEqual(['192.170.10.20/24']);
  });

  test('confirmed: the candidate becomes the daemon’s config in force (= on disk), and it stays', async () => {
    await writeFile(candidate, config(f, '192.170.10.21/24'));
    const p = startTry(candidate, '--timeout', '60');
    await waitFor(async () => (await hostAddrs()).includes('192.170.10.21/24'), 20_000, 'the candidate address');
    expect((await f.cli('try', '--confirm')).exitCode).toBe(0);
    expect((await p).exitCode).toBe(0);
    await waitFor(
      async () => {
        const s = await status();
        return (
          s.state === 'converged' && s.configInForce !== undefined && s.configInForce.sha256 === s.configOnDisk?.sha256
        );
      },
      30_000,
      'the daemon runs the confirmed config',
    );
    await sleep(2500);
    expect(await hostAddrs()).toEqual(['192.170.10.21/24']);
    expect((await f.cli('status')).stdout).toMatch(/^In force: += on disk/m);
  });

  test('a try killed with SIGKILL: the daemon finds its try.json stale and applies config.yaml — the rollback', async () => {
    await writeFile(candidate, config(f, '192.170.10.22/24'));
    const p = startTry(candidate, '--timeout', '120');
    await waitFor(async () => (await hostAddrs()).includes('192.170.10.22/24'), 20_000, 'the candidate address');
    const pid = (JSON.parse(await readFile(tryJson(), 'utf8')) as { pid: number }).pid;
    process.kill(pid, 'SIGKILL');
    await p;
    await waitFor(
      async () => JSON.stringify(await hostAddrs()) === JSON.stringify(['192.170.10.21/24']),
      30_000,
      'the daemon rolled the candidate back',
    );
    expect(existsSync(tryJson())).toBe(false);
    await waitFor(async () => (await status()).state === 'converged', 30_000, 'daemon converged');
  });

  test('in place (no FILE) is refused while the daemon runs', async () => {
    const s = await status();
    // The daemon's own pid, from its status.json: alive.
    expect(typeof s.daemonPid).toBe('number');
    expect(() => process.kill(s.daemonPid as number, 0)).not.toThrow();
    const r = await f.cli('try', '--timeout', '5');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`try refused: the daemon \\(pid ${s.daemonPid}\\) applies`));
  });
});

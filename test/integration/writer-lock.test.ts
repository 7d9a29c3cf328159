// One writer at a time, and FRR kept on what frr.conf says, on the netns fabric (prefix kpl):
// without a daemon, a try stopped with Ctrl-Z past its deadline is killed and rolled back by the
// next `apply`, and a try killed outright is rolled back by it too; with the daemon, `apply` goes
// through it, `teardown` is refused (and `--force` is not undone by the drift ticks), a stopped
// try is killed by the daemon at its deadline, and a change made to FRR behind its back
// (vtysh) is pushed out again.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { buildCli, fabricUp, ipJson, nodeConfigYaml, ROOT, type Fabric } from '../helpers/fabric.js';
import { haveFrr, waitFor } from '../helpers/frr.js';
import { startDaemon, type DaemonProc } from './daemon-helpers.js';

const ready = process.getuid?.() === 0 && haveFrr();
if (!ready)
  console.warn('writer-lock: skipped — needs root and Debian frr/frr-pythontools (scripts/setup installs them)');

type AddrLink = { addr_info: Array<{ local: string; prefixlen: number; family: string }> };
type Status = { state?: string; daemonPid?: number };

describe.skipIf(!ready)('the writer lock, try deadlines and FRR drift', { timeout: 300_000 }, () => {
  let f: Fabric;
  let d: DaemonProc | undefined;
  const config = (hostAddress = '192.170.10.20/24') => nodeConfigYaml(f, { hostAddress, primary: false });
  const hostAddrs = async (): Promise<string[]> => {
    const links = await ipJson<AddrLink[]>(f.node, 'addr', 'show', 'dev', 'br-hs-110').catch(() => [] as AddrLink[]);
    return (links[0]?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
  };
  const nicInRouter = async (): Promise<boolean> =>
    (await execa('ip', ['-n', f.netns, 'link', 'show', 'eth1'], { reject: false })).exitCode === 0;
  const status = async (): Promise<Status> => JSON.parse(await readFile(`${f.runDir}/status.json`, 'utf8')) as Status;
  const candidate = () => `${f.configDir}/config.yaml.new`;
  const startTry = (timeout: number): ResultPromise<{ reject: false }> =>
    execa(
      'ip',
      [
        'netns',
        'exec',
        f.node,
        `${ROOT}bin/evpn-node`,
        '--config',
        f.configPath,
        'try',
        candidate(),
        '--timeout',
        String(timeout),
      ],
      { reject: false },
    );
  const tryPid = async (): Promise<number> => {
    await waitFor(async () => existsSync(`${f.runDir}/try.json`), 20_000, 'try.json');
    return (JSON.parse(await readFile(`${f.runDir}/try.json`, 'utf8')) as { pid: number }).pid;
  };

  // Ctrl-Z once the try waits for a confirmation: the candidate's address appears while the
  // try is still applying (FRR's reload comes after), and a try stopped in that phase is given
  // 10 min, not its deadline (seen under load: the daemon's case waited out its 40 s).
  const stopWhenWaiting = async (pid: number): Promise<void> => {
    const phase = async () => (JSON.parse(await readFile(`${f.runDir}/try.json`, 'utf8')) as { phase?: string }).phase;
    await waitFor(async () => (await phase()) === 'waiting', 20_000, 'the try waiting for a confirmation', 50);
    process.kill(pid, 'SIGSTOP');
  };

  beforeAll(async () => {
    await buildCli().catch((e: Error) =>
      console.warn(`writer-lock: tsc reported errors; using the emitted dist/: ${e.message.split('\n')[0]}`),
    );
    f = await fabricUp('kpl');
    await f.writeConfig(config());
    const r = await f.cli('apply');
    expect(r.exitCode, r.stderr).toBe(0);
  });
  afterAll(async () => {
    d?.proc.kill('SIGTERM');
    await d?.exited;
    await f?.down();
  });

  describe('no daemon', () => {
    test('a try stopped (Ctrl-Z) holds the lock: apply is refused naming it; past its deadline, apply kills it and rolls back', async () => {
      await writeFile(candidate(), config('192.170.10.21/24'));
      const p = startTry(5);
      const pid = await tryPid();
      await waitFor(async () => (await hostAddrs()).includes('192.170.10.21/24'), 20_000, 'the candidate address');
      await stopWhenWaiting(pid);
      const refused = await f.cli('apply');
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toMatch(
        new RegExp(
          `apply refused: a try is in progress: \`evpn-node try\` \\(pid ${pid}\\) since \\S+, rolls back at \\S+ unless confirmed`,
        ),
      );
      // Deadline (5 s) + the grace a try gets to start its own rollback (10 s).
      await new Promise((r) => setTimeout(r, 15_500));
      const r = await f.cli('apply');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/still alive \d+ s after its deadline .* killing it/);
      expect((await p).signal).toBe('SIGKILL');
      expect(await hostAddrs()).toEqual(['192.170.10.20/24']);
      expect(existsSync(`${f.runDir}/try.json`)).toBe(false);
    });

    test('a try killed outright: the next writer (apply) removes its try.json and applies the files on disk', async () => {
      await writeFile(candidate(), config('192.170.10.22/24'));
      const p = startTry(120);
      const pid = await tryPid();
      await waitFor(async () => (await hostAddrs()).includes('192.170.10.22/24'), 20_000, 'the candidate address');
      process.kill(pid, 'SIGKILL');
      await p;
      const r = await f.cli('apply');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/a try ended without a decision: removing try.json/);
      expect(await hostAddrs()).toEqual(['192.170.10.20/24']);
    });
  });

  describe('with the daemon', () => {
    beforeAll(async () => {
      d = startDaemon(f, `${f.runDir}/no-notify.sock`, '--frr-check-interval', '2');
      await waitFor(async () => (await status()).state === 'converged', 60_000, 'the daemon converged');
    });

    test('apply goes through the daemon: its pass, started after the request, is what apply reports', async () => {
      await f.writeConfig(config('192.170.10.21/24'));
      const r = await f.cli('apply');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Applied by the daemon \\(pid ${d!.pid}\\)`));
      expect(await hostAddrs()).toEqual(['192.170.10.21/24']);
    });

    test('status names the daemon as the writer lock holder, text and JSON', async () => {
      const text = await f.cli('status');
      expect(text.stdout).toMatch(
        new RegExp(`^Writer: +the daemon: \`evpn-node run\` \\(pid ${d!.pid}\\) since \\S+`, 'm'),
      );
      const j = await f.cli('--json', 'status');
      expect(JSON.parse(j.stdout)).toMatchObject({
        writer: { held: true, role: 'daemon', command: 'run', pid: d!.pid, path: `${f.runDir}/lock` },
      });
    });

    test('teardown is refused, naming the daemon; nothing changes', async () => {
      const r = await f.cli('teardown', '--yes');
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `teardown refused: the daemon holds the writer lock ${f.runDir}/lock: \`evpn-node run\` \\(pid ${d!.pid}\\) since \\S+\\. stop it first .*or override with \`teardown --force\``,
        ),
      );
      expect(await nicInRouter()).toBe(true);
    });

    test('teardown --force: the daemon stands aside, and its drift ticks do not build the node back; apply does', async () => {
      const r = await f.cli('teardown', '--force', '--yes');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await nicInRouter()).toBe(false);
      expect((await status()).state).toBe('torn-down');
      await new Promise((res) => setTimeout(res, 5000)); // two drift ticks and more
      expect(await nicInRouter()).toBe(false);
      expect(await hostAddrs()).toEqual([]);
      expect((await f.cli('health')).exitCode).not.toBe(0);
      const back = await f.cli('apply');
      expect(back.exitCode, back.stderr).toBe(0);
      expect(await nicInRouter()).toBe(true);
      expect(await hostAddrs()).toEqual(['192.170.10.21/24']);
    });

    test('FRR changed behind its back (vtysh): the next FRR check pushes frr.conf again', async () => {
      const from = d!.logs.length;
      await execa('vtysh', [
        '-N',
        f.netns,
        '-c',
        'configure terminal',
        '-c',
        'router bgp 64514',
        '-c',
        'no neighbor 192.168.11.2 remote-as 64512',
      ]);
      expect((await execa('vtysh', ['-N', f.netns, '-c', 'show running-config'])).stdout).not.toContain(
        'neighbor 192.168.11.2 remote-as 64512',
      );
      await waitFor(
        async () =>
          (await execa('vtysh', ['-N', f.netns, '-c', 'show running-config'])).stdout.includes(
            'neighbor 192.168.11.2 remote-as 64512',
          ),
        30_000,
        'FRR runs frr.conf again',
      );
      expect(
        d!.logs
          .slice(from)
          .some((l) => /^drift: FRR runs something other than frr\.conf \(\d+ line\(s\) apart/.test(l.msg)),
      ).toBe(true);
    });

    test('a try stopped with Ctrl-Z does not freeze the daemon past its deadline: the daemon kills it and rolls back', async () => {
      await writeFile(candidate(), config('192.170.10.23/24'));
      const p = startTry(5);
      const pid = await tryPid();
      await waitFor(async () => (await hostAddrs()).includes('192.170.10.23/24'), 20_000, 'the candidate address');
      await stopWhenWaiting(pid);
      await waitFor(
        async () => (await hostAddrs()).includes('192.170.10.21/24'),
        40_000,
        'the daemon rolled the stopped try back',
      );
      expect((await p).signal).toBe('SIGKILL');
      expect(
        d!.logs.some((l) => /still alive \d+ s after its deadline .*killing it and rolling back/.test(l.msg)),
      ).toBe(true);
      await waitFor(async () => (await status()).state === 'converged', 30_000, 'the daemon converged');
      expect(await hostAddrs()).toEqual(['192.170.10.21/24']);
    });
  });
});

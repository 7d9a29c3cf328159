// `evpn-node try` on the netns fabric: change the node's primary address (the way an operator
// would lose the node) and prove every way out — timeout, --confirm from another shell, SIGUSR1,
// readiness, SIGINT, a candidate FRR refuses, an invalid candidate, in-place refusal.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { buildCli, fabricUp, ipJson, nodeConfigYaml, ROOT, type Fabric } from '../helpers/fabric.js';
import { haveFrr, waitFor } from '../helpers/frr.js';

const ready = process.getuid?.() === 0 && haveFrr();
if (!ready)
  console.warn('try-fabric: skipped — needs root and Debian frr/frr-pythontools (scripts/setup installs them)');

const config = (f: Fabric, hostAddress = '192.170.10.20/24'): string => nodeConfigYaml(f, { hostAddress });

type AddrLink = { ifname: string; addr_info: Array<{ local: string; prefixlen: number; family: string }> };

// Generous limits: these run on a loaded 2-core machine, where one FRR reload can take tens of seconds.
describe.skipIf(!ready)('try on the fabric', { timeout: 180_000 }, () => {
  let f: Fabric;
  let candidate: string;
  const tryFile = () => `${f.runDir}/try.json`;
  const lastGood = () => readFile(`${f.runDir}/state/last-good.yaml`, 'utf8');
  const hostAddrs = async (): Promise<string[]> => {
    const links = await ipJson<AddrLink[]>(f.node, 'addr', 'show', 'dev', 'br-hs-110').catch(() => [] as AddrLink[]);
    return (links[0]?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
  };
  const kubeletEnv = () => readFile(`${f.runDir}/kubelet.env`, 'utf8');
  const leafEstablished = async (): Promise<boolean> =>
    (await execa('vtysh', ['-N', f.leaf, '-c', 'show bgp summary json'])).stdout.includes('"state":"Established"');
  /** Tries started in the background; a failed test must not leave one holding try.json. */
  const running: Array<ResultPromise<{ reject: false }>> = [];
  /** Start a try in the background (the CLI in the node netns). */
  const startTry = (...args: string[]) => {
    const p = f.cli('try', ...args) as ResultPromise<{ reject: false }>;
    running.push(p);
    return p;
  };
  const tryPid = async (): Promise<number> => {
    await waitFor(async () => existsSync(tryFile()), 20_000, 'try.json');
    return (JSON.parse(await readFile(tryFile(), 'utf8')) as { pid: number }).pid;
  };

  beforeAll(async () => {
    await buildCli();
    f = await fabricUp('tr');
    candidate = `${f.configDir}/config.yaml.new`;
    await f.writeConfig(config(f));
  });
  afterEach(async () => {
    for (const p of running.splice(0)) {
      if (p.exitCode === null) p.kill('SIGTERM');
      await p;
    }
  });
  afterAll(async () => {
    await f?.down();
  });

  test('refused before the first apply: there is nothing to roll back to', async () => {
    await writeFile(candidate, config(f, '192.170.10.21/24'));
    const r = await f.cli('try', candidate, '--timeout', '5');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /try refused: nothing to roll back to: \S+last-good\.yaml does not exist yet .*Use `evpn-node apply` for the first apply/,
    );
    expect(await hostAddrs()).toEqual([]);
    expect(existsSync(tryFile())).toBe(false);
  });

  test('(apply the base config; the leaf session comes up)', async () => {
    const r = await f.cli('apply');
    expect(r.exitCode, r.stderr).toBe(0);
    await waitFor(leafEstablished, 60_000, 'BGP Established on the leaf');
  });

  test('an invalid candidate: exit 2 with file:line:col, nothing changed', async () => {
    const before = {
      conf: await readFile(f.configPath, 'utf8'),
      frr: await readFile(`${f.frrConfigDir}/frr.conf`, 'utf8'),
      lg: await lastGood(),
    };
    await writeFile(candidate, config(f, '192.170.10.21/24').replace('vni: 110', 'vni: 99999999'));
    const r = await f.cli('try', candidate, '--timeout', '5');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/config\.yaml\.new:\d+:\d+: l2vnis\[0\]\.vni: /);
    expect(existsSync(tryFile())).toBe(false);
    expect(await hostAddrs()).toEqual(['192.170.10.20/24']);
    expect({
      conf: await readFile(f.configPath, 'utf8'),
      frr: await readFile(`${f.frrConfigDir}/frr.conf`, 'utf8'),
      lg: await lastGood(),
    }).toEqual(before);
    const missing = await f.cli('try', `${f.configDir}/absent.yaml`, '--timeout', '5');
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/absent\.yaml: cannot read the config file \(no such file\)/);
    expect(existsSync(tryFile())).toBe(false);
  });

  test('not confirmed in time: the new primary address appears, then the old one is back; files untouched; exit 1', async () => {
    const conf = await readFile(f.configPath, 'utf8');
    const lg = await lastGood();
    await writeFile(candidate, config(f, '192.170.10.21/24'));
    const t0 = performance.now();
    const p = startTry(candidate, '--timeout', '5');
    // kubelet.env is the last thing converge writes: once it names .21, the candidate is in force.
    await waitFor(
      async () => /^NODE_IP=192\.170\.10\.21$/m.test((await kubeletEnv()) ?? ''),
      20_000,
      'the candidate in kubelet.env',
    );
    expect(await hostAddrs()).toEqual(['192.170.10.21/24']);
    expect(JSON.parse(await readFile(tryFile(), 'utf8'))).toMatchObject({
      pid: expect.any(Number),
      deadline: expect.any(String),
      candidate,
    });
    const r = await p;
    expect(r.exitCode, r.stderr).toBe(1);
    expect(performance.now() - t0).toBeGreaterThan(5000);
    expect(r.stderr).toMatch(
      /Keeping it only if confirmed within 5 s \(`evpn-node try --confirm`, or kill -USR1 \d+\); otherwise rolling back\./,
    );
    expect(r.stderr).toMatch(/evpn-node: rolled back to the last good config: not confirmed within 5 s/);
    expect(await hostAddrs()).toEqual(['192.170.10.20/24']);
    expect(await kubeletEnv()).toMatch(/^NODE_IP=192\.170\.10\.20$/m);
    expect(await readFile(f.configPath, 'utf8')).toBe(conf);
    expect(await lastGood()).toBe(lg);
    expect(existsSync(tryFile())).toBe(false);
    expect(await leafEstablished()).toBe(true);
  });

  test('confirmed with `try --confirm` from another shell: it stays; config.yaml = candidate, .bak = old, last-good = candidate', async () => {
    const old = await readFile(f.configPath, 'utf8');
    const next = config(f, '192.170.10.21/24');
    await writeFile(candidate, next);
    const p = startTry(candidate, '--timeout', '60');
    await waitFor(async () => (await hostAddrs()).includes('192.170.10.21/24'), 20_000, 'the candidate address');
    const c = await f.cli('try', '--confirm');
    expect(c.exitCode, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/^Confirmed the try in progress \(pid \d+\)\.$/);
    const r = await p;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^Confirmed \(SIGUSR1\): \S+config\.yaml now holds the candidate, the previous one is \S+config\.yaml\.bak/,
    );
    expect(await hostAddrs()).toEqual(['192.170.10.21/24']);
    expect(await readFile(f.configPath, 'utf8')).toBe(next);
    expect(await readFile(`${f.configPath}.bak`, 'utf8')).toBe(old);
    expect(await lastGood()).toMatch(/hostAddress: 192\.170\.10\.21\/24/);
    expect(existsSync(tryFile())).toBe(false);
    // And the node agrees with itself: status says in force = on disk.
    expect((await f.cli('status')).stdout).toMatch(/^In force: += on disk/m);
  });

  test('`try --confirm` with no try in progress: exit 1, says so', async () => {
    const r = await f.cli('try', '--confirm');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/no try is in progress \(no try\.json\): nothing to confirm/);
  });

  test('confirmed by SIGUSR1 to the try process', async () => {
    await writeFile(candidate, config(f, '192.170.10.20/24'));
    const p = startTry(candidate, '--timeout', '60');
    await waitFor(async () => (await hostAddrs()).includes('192.170.10.20/24'), 20_000, 'the candidate address');
    process.kill(await tryPid(), 'SIGUSR1');
    const r = await p;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Confirmed \(SIGUSR1\)/);
    expect(await hostAddrs()).toEqual(['192.170.10.20/24']);
    expect(await lastGood()).toMatch(/hostAddress: 192\.170\.10\.20\/24/);
  });

  test('confirmed by ENTER on a terminal (a real pty, through script(1))', async () => {
    await writeFile(candidate, config(f, '192.170.10.22/24'));
    const cmd = `${ROOT}bin/evpn-node --config ${f.configPath} try ${candidate} --timeout 60`;
    const p = execa('ip', ['netns', 'exec', f.node, 'script', '-qec', cmd, '/dev/null'], { reject: false });
    await waitFor(async () => (await hostAddrs()).includes('192.170.10.22/24'), 20_000, 'the candidate address');
    await waitFor(async () => existsSync(tryFile()), 5_000, 'try.json');
    await new Promise((r) => setTimeout(r, 500));
    p.stdin?.write('\n');
    const r = await p;
    expect(r.exitCode, String(r.stdout)).toBe(0);
    expect(String(r.stdout)).toMatch(
      /Keeping it only if confirmed within 60 s \(ENTER, or `evpn-node try --confirm`, or kill -USR1 \d+\)/,
    );
    expect(String(r.stdout)).toMatch(/Confirmed \(ENTER\)/);
    expect(await hostAddrs()).toEqual(['192.170.10.22/24']);
  });

  test('--auto-confirm-when-ready confirms by itself once the underlay session is Established', async () => {
    await writeFile(candidate, config(f, '192.170.10.21/24'));
    const t0 = performance.now();
    const r = await startTry(candidate, '--timeout', '60', '--auto-confirm-when-ready');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(r.stdout).toMatch(
      /^Confirmed \(readiness checks passed \(underlay BGP session with 192\.168\.11\.2 is Established/,
    );
    expect(await hostAddrs()).toEqual(['192.170.10.21/24']);
  });

  test('--auto-confirm-when-ready with a candidate that loses the ToR: rolled back, the session comes back', async () => {
    const conf = await readFile(f.configPath, 'utf8');
    // A neighbor nobody answers for: the underlay session of the candidate never comes up.
    await writeFile(candidate, conf.replace('address: 192.168.11.2', 'address: 192.168.11.9'));
    const r = await startTry(candidate, '--timeout', '8', '--auto-confirm-when-ready');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/rolled back to the last good config: not confirmed within 8 s/);
    expect(await readFile(f.configPath, 'utf8')).toBe(conf);
    expect(await readFile(`${f.frrConfigDir}/frr.conf`, 'utf8')).toMatch(/neighbor 192\.168\.11\.2 /);
    await waitFor(leafEstablished, 60_000, 'BGP Established on the leaf again');
  });

  test('a candidate FRR refuses: rolled back at once, exit 1', async () => {
    const conf = await readFile(f.configPath, 'utf8');
    const frr = await readFile(`${f.frrConfigDir}/frr.conf`, 'utf8');
    await writeFile(
      candidate,
      conf
        .replace('192.170.10.21/24', '192.170.10.22/24')
        .replace(/^primary:/m, 'frr:\n  rawConfig: |\n    router bgp 64514\n     this-is-not-an-frr-command\nprimary:'),
    );
    const t0 = performance.now();
    const r = await startTry(candidate, '--timeout', '300');
    expect(r.exitCode).toBe(1);
    // At once = without waiting for the confirmation window (generous: a loaded machine's FRR is slow).
    expect(performance.now() - t0).toBeLessThan(150_000);
    expect(r.stderr).not.toMatch(/Keeping it only if confirmed/);
    expect(r.stderr).toMatch(/rolled back to the last good config: the candidate did not apply: FRR refused/);
    expect(await readFile(`${f.frrConfigDir}/frr.conf`, 'utf8')).toBe(frr);
    expect(await hostAddrs()).toEqual(['192.170.10.21/24']);
    expect(existsSync(tryFile())).toBe(false);
  });

  test('SIGINT rolls back at once', async () => {
    await writeFile(candidate, config(f, '192.170.10.22/24'));
    const p = startTry(candidate, '--timeout', '60');
    await waitFor(async () => (await hostAddrs()).includes('192.170.10.22/24'), 20_000, 'the candidate address');
    process.kill(await tryPid(), 'SIGINT');
    const r = await p;
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/rolled back to the last good config: SIGINT received/);
    expect(await hostAddrs()).toEqual(['192.170.10.21/24']);
  });

  test('one try at a time: a second one is refused while the first is live', async () => {
    await writeFile(candidate, config(f, '192.170.10.22/24'));
    const p = startTry(candidate, '--timeout', '60');
    const pid = await tryPid();
    const second = await f.cli('try', candidate, '--timeout', '5');
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`try refused: another try is in progress \\(pid ${pid}, rolls back at `));
    process.kill(pid, 'SIGTERM');
    expect((await p).exitCode).toBe(1);
    expect(await hostAddrs()).toEqual(['192.170.10.21/24']);
  });

  test('in place (no FILE): refused while a daemon runs; without one, rolled back with a warning that config.yaml keeps the edit', async () => {
    const conf = await readFile(f.configPath, 'utf8');
    const statusPath = `${f.runDir}/status.json`;
    const status = await readFile(statusPath, 'utf8');
    // A live daemon pid in status.json (this test process stands in for it).
    await writeFile(statusPath, JSON.stringify({ ...JSON.parse(status), daemonPid: process.pid, state: 'converged' }));
    await f.writeConfig(conf.replace('192.170.10.21/24', '192.170.10.23/24'));
    const refused = await f.cli('try', '--timeout', '3');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(
        `try refused: the daemon \\(pid ${process.pid}\\) applies \\S+config\\.yaml as soon as it is saved.*evpn-node try \\S+config\\.yaml\\.new`,
      ),
    );
    expect(await hostAddrs()).toEqual(['192.170.10.21/24']);

    await writeFile(statusPath, status);
    const r = await f.cli('try', '--timeout', '3');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/not confirmed within 3 s/);
    expect(r.stderr).toMatch(/config\.yaml still holds the rolled-back edit: revert it/);
    expect(await hostAddrs()).toEqual(['192.170.10.21/24']);
    await f.writeConfig(conf);
  });
});

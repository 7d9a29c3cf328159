// The kill-point sweep: the controller SIGKILLed at every point of a converge and of a teardown
// — after each step, and after the k-th line of each `ip -batch`, for every k — then started
// again, must end converged (resp. torn down) with the underlay NIC holding all its addresses
// (the static one, and a DHCP-learned one) and routes (proto static and proto dhcp), FRR running
// what frr.conf says, and traffic over the NIC. The seam is EVPN_NODE_CRASH_AT (src/cli/crash.ts),
// read by the CLI only. Also: the router netns deleted (`ip netns del`) and the NIC handed back
// bare, repaired by the next apply; and a daemon killed after the NIC move, repaired by the next
// daemon. Fabric prefix kp.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { buildCli, fabricUp, ipJson, nodeConfigYaml, ROOT, type Fabric } from '../helpers/fabric.js';
import { haveFrr, waitFor } from '../helpers/frr.js';

const ready = process.getuid?.() === 0 && haveFrr();
if (!ready)
  console.warn('crash-sweep: skipped — needs root and Debian frr/frr-pythontools (scripts/setup installs them)');

type AddrInfo = { family: string; local: string; prefixlen: number };
type Route = { dst: string; protocol?: string };

/** The NIC's addresses that must always travel with it, and its routes (dst, proto). */
const ADDRS = ['192.168.11.3/24', '192.168.11.4/24'];
const ROUTES = ['198.51.100.0/24 static', '203.0.113.0/24 dhcp'];

interface Run {
  killed: boolean;
  exitCode: number | undefined;
  stderr: string;
}

describe.skipIf(!ready)(
  'kill-point sweep: a controller killed anywhere, started again, ends converged with the NIC whole',
  { timeout: 600_000 },
  () => {
    let f: Fabric;
    const cli = async (args: string[], crashAt?: string): Promise<Run> => {
      const r = await execa(
        'ip',
        ['netns', 'exec', f.node, `${ROOT}bin/evpn-node`, '--config', f.configPath, ...args],
        {
          reject: false,
          env: crashAt ? { EVPN_NODE_CRASH_AT: crashAt } : {},
        },
      );
      return { killed: r.signal === 'SIGKILL', exitCode: r.exitCode, stderr: String(r.stderr) };
    };
    const linkIn = async (ns: string, dev: string): Promise<boolean> =>
      (await execa('ip', ['-n', ns, 'link', 'show', 'dev', dev], { reject: false })).exitCode === 0;
    const nicIn = async (ns: string): Promise<{ up: boolean; addrs: string[]; routes: string[] }> => {
      const a = await ipJson<Array<{ flags: string[]; addr_info: AddrInfo[] }>>(
        ns,
        'addr',
        'show',
        'dev',
        'eth1',
      ).catch(() => []);
      const r = await ipJson<Route[]>(ns, 'route', 'show', 'dev', 'eth1').catch(() => []);
      return {
        up: a[0]?.flags.includes('UP') ?? false,
        addrs: (a[0]?.addr_info ?? [])
          .filter((x) => x.family === 'inet')
          .map((x) => `${x.local}/${x.prefixlen}`)
          .sort(),
        routes: r
          .filter((x) => x.protocol === 'static' || x.protocol === 'dhcp')
          .map((x) => `${x.dst} ${x.protocol}`)
          .sort(),
      };
    };
    const pings = async (ns: string): Promise<boolean> => {
      for (const src of ['192.168.11.3', '192.168.11.4']) {
        const r = await execa('ip', ['netns', 'exec', ns, 'ping', '-c1', '-W2', '-I', src, '192.168.11.2'], {
          reject: false,
        });
        if (r.exitCode !== 0) return false;
      }
      return true;
    };
    const frrRunning = async (): Promise<string> =>
      (await execa('vtysh', ['-N', f.netns, '-c', 'show running-config'])).stdout;
    const pending = (): boolean => existsSync(`${f.runDir}/frr-reload-pending`);

    /** Converged: the NIC whole in the router netns, traffic over it, FRR runs our config, nothing pending. */
    const expectConverged = async (after: string): Promise<void> => {
      expect(await nicIn(f.netns), after).toEqual({ up: true, addrs: ADDRS, routes: ROUTES });
      expect(await pings(f.netns), `ping over eth1 in the router netns, ${after}`).toBe(true);
      expect(await frrRunning(), after).toContain('neighbor 192.168.11.2 remote-as 64512');
      expect(pending(), after).toBe(false);
    };
    /** Torn down: the NIC whole back in the node, traffic over it, FRR emptied, no snapshot left. */
    const expectTornDown = async (after: string): Promise<void> => {
      expect(await nicIn(f.node), after).toEqual({ up: true, addrs: ADDRS, routes: ROUTES });
      expect(await pings(f.node), `ping over eth1 in the node, ${after}`).toBe(true);
      expect(await frrRunning(), after).not.toContain('neighbor 192.168.11.2');
      expect(existsSync(`${f.runDir}/state/underlay/eth1.json`), after).toBe(false);
    };

    beforeAll(async () => {
      await buildCli().catch((e: Error) =>
        console.warn(`crash-sweep: tsc reported errors; using the emitted dist/: ${e.message.split('\n')[0]}`),
      );
      f = await fabricUp('kp');
      await f.writeConfig(nodeConfigYaml(f, { primary: false }));
      // The NIC as a DHCP client leaves it: a leased address (finite lifetime: `dynamic`) and a
      // proto dhcp route; plus a static route an operator added.
      const ip = (...a: string[]) => execa('ip', ['-n', f.node, ...a]);
      await ip('addr', 'add', '192.168.11.4/24', 'dev', 'eth1', 'valid_lft', '3600', 'preferred_lft', '3600');
      await ip('route', 'add', '198.51.100.0/24', 'via', '192.168.11.2', 'dev', 'eth1', 'proto', 'static');
      await ip('route', 'add', '203.0.113.0/24', 'via', '192.168.11.2', 'dev', 'eth1', 'proto', 'dhcp');
    });
    afterAll(async () => {
      await f?.down();
    });

    test('every kill point of apply and of teardown, each followed by a new start', async () => {
      // Points in execution order. A batch is swept k = 0, 1, ... until a run is not killed
      // (k past its last line): each k leaves a different prefix of the batch applied.
      const convergePoints = [
        'after:snapshot',
        'pre:host',
        'pre:router',
        'after:pre',
        'after:frr-marked',
        'after:frr-written',
        'after:frr-reloaded',
        'after:frr',
        'post:router',
        'post:host',
        'after:post',
      ];
      const teardownPoints = [
        'after:frr-written',
        'after:frr',
        'pre:host',
        'pre:router',
        'after:pre',
        'post:host',
        'after:post',
      ];
      const cursor = (points: string[]) => {
        let i = 0;
        let k = 0;
        return {
          next: (): string | undefined =>
            i < points.length ? (points[i]!.startsWith('after:') ? points[i] : `${points[i]}:${k}`) : undefined,
          /** The run at the current point was (not) killed: step to the next one. */
          advance: (killed: boolean): void => {
            if (!points[i]!.startsWith('after:') && killed) k++;
            else {
              i++;
              k = 0;
            }
          },
        };
      };
      const conv = cursor(convergePoints);
      const tear = cursor(teardownPoints);
      const kills: Record<string, number> = {};
      const started = Date.now();

      // The very first apply: the snapshot is taken from the NIC as the DHCP client left it.
      for (let round = 0; conv.next() !== undefined || tear.next() !== undefined; round++) {
        const c = conv.next();
        if (c) {
          const r = await cli(['apply'], c);
          const batch = !c.startsWith('after:');
          if (!batch) expect(r.killed, `apply killed ${c}: ${r.stderr}`).toBe(true);
          if (r.killed) kills[`apply ${c.replace(/:\d+$/, '')}`] = (kills[`apply ${c.replace(/:\d+$/, '')}`] ?? 0) + 1;
          else expect(r.exitCode, `apply at ${c} ran to the end: ${r.stderr}`).toBe(0);
          conv.advance(r.killed);
        }
        const again = await cli(['apply']);
        expect(again.exitCode, `apply after a kill at ${c}: ${again.stderr}`).toBe(0);
        await expectConverged(`after apply killed at ${c} and run again`);

        const t = tear.next();
        if (t) {
          const r = await cli(['teardown', '--yes'], t);
          if (t.startsWith('after:')) expect(r.killed, `teardown killed ${t}: ${r.stderr}`).toBe(true);
          if (r.killed)
            kills[`teardown ${t.replace(/:\d+$/, '')}`] = (kills[`teardown ${t.replace(/:\d+$/, '')}`] ?? 0) + 1;
          else expect(r.exitCode, `teardown at ${t} ran to the end: ${r.stderr}`).toBe(0);
          tear.advance(r.killed);
        }
        const down = await cli(['teardown', '--yes']);
        expect(down.exitCode, `teardown after a kill at ${t}: ${down.stderr}`).toBe(0);
        await expectTornDown(`after teardown killed at ${t} and run again`);
      }
      console.log(
        `crash-sweep: ${Object.values(kills).reduce((a, b) => a + b, 0)} kills in ${Math.round((Date.now() - started) / 1000)} s: ${JSON.stringify(kills)}`,
      );
      // Every batch that has lines was cut at every one of them: the NIC move (last line of the
      // host batch) and its addresses (first lines of the router batch) in particular.
      for (const b of [
        'apply pre:host',
        'apply pre:router',
        'apply post:router',
        'apply post:host',
        'teardown pre:host',
        'teardown pre:router',
        'teardown post:host',
      ])
        expect(kills[b], b).toBeGreaterThan(1);
    });

    test('`ip netns del` of the router netns and the NIC handed back bare: the next apply puts it back whole', async () => {
      expect((await cli(['apply'])).exitCode).toBe(0);
      await expectConverged('apply');
      const zebra = Number((await readFile(f.pidFile, 'utf8')).trim());
      await execa('ip', ['netns', 'del', f.netns]);
      // What the kernel does when the netns dies with the pod: the NIC comes back to the host
      // without its addresses (a move flushes them) — done here from inside the nameless netns,
      // since FRR keeps this one alive.
      await execa('nsenter', [`--net=/proc/${zebra}/ns/net`, 'ip', 'link', 'set', 'eth1', 'netns', f.node]);
      expect((await nicIn(f.node)).addrs).toEqual([]);
      // The pod's ExecStartPre names its netns again in production (and the controller would
      // attach the name from FRR's pidfile); here the CLI runs under `ip netns exec`, whose private
      // mount namespace would keep an attached name to itself, so the test names it.
      await execa('ip', ['netns', 'attach', f.netns, String(zebra)]);
      const r = await cli(['apply']);
      expect(r.exitCode, r.stderr).toBe(0);
      await expectConverged('apply after the router netns was deleted and the NIC came back bare');
      expect((await cli(['teardown', '--yes'])).exitCode).toBe(0);
      await expectTornDown('teardown');
    });

    test('a daemon killed right after the NIC move: the next daemon converges, NIC whole', async () => {
      const daemon = (crashAt?: string) =>
        execa(
          'ip',
          ['netns', 'exec', f.node, `${ROOT}bin/evpn-node`, '--config', f.configPath, 'run', '--drift-interval', '2'],
          {
            reject: false,
            env: crashAt ? { EVPN_NODE_CRASH_AT: crashAt } : {},
            // The crash point must be reached: a daemon still running after this is a failure (SIGTERM, not SIGKILL).
            ...(crashAt ? { timeout: 90_000 } : {}),
          },
        );
      await expectTornDown('before the daemon');
      const first = await daemon('pre:router:0');
      expect(first.signal, String(first.stderr).slice(-2000)).toBe('SIGKILL');
      // nicIn reads a missing NIC as bare: check that eth1 is really there, and not in the node.
      expect(await linkIn(f.netns, 'eth1')).toBe(true);
      expect(await linkIn(f.node, 'eth1')).toBe(false);
      expect(await nicIn(f.netns)).toEqual({ up: false, addrs: [], routes: [] });
      const second = daemon();
      try {
        await waitFor(
          async () =>
            (JSON.parse(await readFile(`${f.runDir}/status.json`, 'utf8')) as { state?: string; daemonPid?: number })
              .state === 'converged',
          60_000,
          'the new daemon converged',
        );
        await expectConverged('a new daemon after one killed past the NIC move');
      } finally {
        second.kill('SIGTERM');
        await second;
      }
    });
  },
);

// The daemon's netlink monitors against the real kernel: a drift tick may skip its observe only
// when `ip monitor` was subscribed before the last look and has seen no event planning reads
// since. Two bare netns stand for host and router; in the router one, the L3VNI check's devices
// (a bridge and a VXLAN device) get neighbours, FDB entries and routes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { NetlinkMonitor, subscribed } from '../../src/daemon/netlink-monitor.js';
import { netnsAdd, netnsDel } from '../helpers/frr.js';
import { waitFor } from '../helpers/frr.js';

const isRoot = process.getuid?.() === 0;
const HOST = 'h1t-host';
const ROUTER = 'h1t-router';
const ip = (ns: string, ...args: string[]) => execa('ip', ['-n', ns, ...args]);
const inode = (ns: string): number => statSync(`/run/netns/${ns}`).ino;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!isRoot)('NetlinkMonitor (root: real ip monitor in two netns)', { timeout: 60_000 }, () => {
  let mon: NetlinkMonitor;

  beforeAll(async () => {
    await netnsAdd(HOST);
    await netnsAdd(ROUTER);
    // No IPv6 link-locals here: their DAD ends with an address event seconds after a link comes
    // up, which once let a change that sends no event at all pass as seen (see the alias case).
    for (const ns of [HOST, ROUTER])
      await execa('ip', [
        'netns',
        'exec',
        ns,
        'sysctl',
        '-qw',
        'net.ipv6.conf.default.addr_gen_mode=1',
        'net.ipv6.conf.all.addr_gen_mode=1',
      ]);
    await ip(ROUTER, 'link', 'add', 'r0', 'type', 'veth', 'peer', 'name', 'r1');
    await ip(ROUTER, 'addr', 'add', '10.9.9.1/24', 'dev', 'r0');
    await ip(ROUTER, 'link', 'set', 'r0', 'up');
    await ip(ROUTER, 'link', 'set', 'r1', 'up');
  });
  afterAll(async () => {
    await mon?.stop();
    await netnsDel(HOST);
    await netnsDel(ROUTER);
  });

  /** A full look, repeated until 300 ms pass without an event (the kernel finishing the previous change). */
  const look = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) {
      mon.looking();
      await sleep(300);
      if (!mon.verdict().look) return;
    }
  };

  test('before its first look it always says look; once subscribed and quiet, skip', async () => {
    mon = new NetlinkMonitor({ backstopMs: 60_000, host: { name: HOST, inode: inode(HOST) } });
    expect(mon.verdict().look).toBe(true);
    await mon.follow({ name: ROUTER, inode: inode(ROUTER) });
    expect(mon.verdict()).toMatchObject({ look: true, why: expect.stringMatching(/started since the last look/) });
    await look();
    expect(mon.verdict()).toEqual({ look: false, why: 'no netlink event since the last look' });
  });

  test('a link change in either netns, an address, a rule, a sysctl, our route: look', async () => {
    // Each change names the event it must cause, so a late event of an earlier change cannot pass for it.
    const changes: Array<[string, () => Promise<unknown>, RegExp]> = [
      // First, while both veth ends are up and quiet: the kernel tells an alias change only for a
      // link that is up (netdev_state_change), and the why is cut before the alias shows.
      [
        'alias in the router netns',
        () => ip(ROUTER, 'link', 'set', 'r0', 'alias', 'someone'),
        /^h1t-router: \d+: r0@r1: <BROADCAST,MULTICAST,UP,LOWER_UP>/,
      ],
      [
        'link down in the router netns',
        () => ip(ROUTER, 'link', 'set', 'r1', 'down'),
        /^h1t-router: \d+: r1@r0: <BROADCAST,MULTICAST>/,
      ],
      [
        'veth in the host netns',
        () => ip(HOST, 'link', 'add', 'h0', 'type', 'veth', 'peer', 'name', 'h1'),
        /^h1t-host: .*\bh[01]\b/,
      ],
      [
        'address',
        () => ip(ROUTER, 'addr', 'add', '10.9.8.1/24', 'dev', 'r0'),
        /^h1t-router: \d+: r0 +inet 10\.9\.8\.1\/24/,
      ],
      ['rule', () => ip(ROUTER, 'rule', 'add', 'pref', '100', 'table', '5'), /^h1t-router: 100:\s+from all lookup 5/],
      [
        'forwarding sysctl',
        () => execa('ip', ['netns', 'exec', ROUTER, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']),
        /^h1t-router: inet .*forwarding on/,
      ],
      [
        'route proto 240',
        () => ip(ROUTER, 'route', 'add', '10.8.0.0/16', 'via', '10.9.9.2', 'proto', '240'),
        /^h1t-router: 10\.8\.0\.0\/16 via 10\.9\.9\.2 dev r0 proto 240/,
      ],
      [
        'default route of FRR',
        () => ip(ROUTER, 'route', 'add', 'default', 'via', '10.9.9.2', 'proto', 'bgp'),
        /^h1t-router: default via 10\.9\.9\.2 dev r0 proto bgp/,
      ],
    ];
    for (const [what, change, event] of changes) {
      await look();
      expect(mon.verdict(), `quiet before: ${what}`).toMatchObject({ look: false });
      await change();
      await waitFor(async () => mon.verdict().look, 5000, `a look after: ${what}`);
      expect(mon.verdict().why, what).toMatch(/netlink event\(s\) since the last look, first: /);
      expect(mon.verdict().why.replace(/^.*?first: /, ''), what).toMatch(event);
    }
  });

  test('the kernel tells nothing of an alias change on a link that is down (why the daemon keeps its links up)', async () => {
    await ip(ROUTER, 'link', 'set', 'r1', 'down');
    await look();
    await ip(ROUTER, 'link', 'set', 'r1', 'alias', 'unseen');
    await sleep(1500);
    expect(mon.verdict()).toMatchObject({ look: false });
  });

  test("FRR's and the kernel's own routes are not a reason to look", async () => {
    await look();
    await ip(ROUTER, 'route', 'add', '10.7.0.0/16', 'via', '10.9.9.2', 'proto', 'bgp');
    await ip(ROUTER, 'route', 'add', '2001:db8:7::/64', 'dev', 'r0', 'proto', 'bgp');
    await ip(ROUTER, 'route', 'del', '10.7.0.0/16', 'via', '10.9.9.2', 'proto', 'bgp');
    await sleep(500);
    expect(mon.verdict().look).toBe(false);
  });

  test("the L3VNI check: neighbours, FDB entries and routes on its devices, not on others'", async () => {
    await ip(ROUTER, 'link', 'add', 'br-pe-100', 'type', 'bridge');
    await ip(
      ROUTER,
      'link',
      'add',
      'vni100',
      'type',
      'vxlan',
      'id',
      '100',
      'local',
      '10.9.9.1',
      'dstport',
      '4789',
      'nolearning',
    );
    await ip(ROUTER, 'link', 'set', 'vni100', 'master', 'br-pe-100');
    await ip(ROUTER, 'link', 'set', 'br-pe-100', 'up');
    await ip(ROUTER, 'link', 'set', 'vni100', 'up');
    const devices = new Set(['vni100', 'br-pe-100']);
    const l3 = () => mon.l3Verdict(devices, 60_000);
    /** Like look(): until 300 ms pass without an event on the devices. */
    const l3look = async (): Promise<void> => {
      for (let i = 0; i < 10; i++) {
        mon.l3Looking();
        await sleep(300);
        if (!l3().look) return;
      }
    };
    await l3look();
    await look();
    expect(l3()).toEqual({ look: false, why: 'no neighbour or route event on its devices since the last look' });

    // A neighbour elsewhere: neither the L3VNI check nor the plan looks again.
    await ip(ROUTER, 'neigh', 'add', '10.9.9.5', 'lladdr', '02:00:00:00:00:05', 'dev', 'r0', 'nud', 'permanent');
    await sleep(500);
    expect(l3().look).toBe(false);
    expect(mon.verdict().look).toBe(false);

    const rmac = '0e:ef:2f:58:29:29';
    const changes: Array<[string, () => Promise<unknown>, RegExp]> = [
      [
        'FDB entry to a VTEP',
        () =>
          execa('bridge', [
            '-n',
            ROUTER,
            'fdb',
            'add',
            rmac,
            'dev',
            'vni100',
            'dst',
            '10.9.9.2',
            'self',
            'extern_learn',
          ]),
        /vni100/,
      ],
      [
        'router MAC neighbour',
        () =>
          ip(ROUTER, 'neigh', 'add', '100.64.9.2', 'lladdr', rmac, 'dev', 'br-pe-100', 'nud', 'noarp', 'extern_learn'),
        /br-pe-100/,
      ],
      [
        "FRR's route via the SVI",
        () =>
          ip(
            ROUTER,
            'route',
            'add',
            '10.200.0.0/24',
            'via',
            '100.64.9.2',
            'dev',
            'br-pe-100',
            'proto',
            'bgp',
            'onlink',
          ),
        /br-pe-100/,
      ],
      [
        'FDB entry deleted',
        () => execa('bridge', ['-n', ROUTER, 'fdb', 'del', rmac, 'dev', 'vni100', 'dst', '10.9.9.2', 'self']),
        /vni100/,
      ],
    ];
    for (const [what, change, device] of changes) {
      await l3look();
      await look();
      expect(l3(), `quiet before: ${what}`).toMatchObject({ look: false });
      await change();
      await waitFor(async () => l3().look, 5000, `an L3VNI look after: ${what}`);
      expect(l3().why, what).toMatch(/^neighbour or route event\(s\) on /);
      expect(l3().why, what).toMatch(device);
      // None of these is a reason for the plan's observe.
      expect(mon.verdict(), what).toMatchObject({ look: false });
    }
    await l3look();
    await sleep(300);
    expect(mon.l3Verdict(devices, 200)).toMatchObject({ look: true, why: expect.stringMatching(/backstop/) });
  });

  test('a monitor that dies, or a router netns replaced under the same name: look', async () => {
    await look();
    // Our own child, by pid: the router netns' `ip -o monitor`.
    const child = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .find((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
          return (
            ppid === String(process.pid) &&
            readFileSync(`/proc/${pid}/cmdline`, 'utf8')
              .split('\0')
              .join(' ')
              .startsWith(`ip -n ${ROUTER} -o monitor link`)
          );
        } catch {
          return false;
        }
      });
    expect(child).toBeDefined();
    process.kill(Number(child), 'SIGTERM');
    await waitFor(async () => mon.verdict().look, 5000, 'a look after the monitor died');
    expect(mon.verdict().why).toMatch(/not running/);
    expect(mon.l3Verdict(new Set(['r0']), 60_000).why).toMatch(/not running/);
    await mon.follow({ name: ROUTER, inode: inode(ROUTER) });
    await look();
    expect(mon.verdict().look).toBe(false);

    await netnsDel(ROUTER);
    await netnsAdd(ROUTER);
    await mon.follow({ name: ROUTER, inode: inode(ROUTER) });
    expect(mon.verdict().look).toBe(true);
    await look();
    await ip(ROUTER, 'link', 'add', 'n0', 'type', 'veth', 'peer', 'name', 'n1');
    await waitFor(async () => mon.verdict().look, 5000, 'an event from the new netns');
  });

  test('no event for backstopMs: look anyway', async () => {
    await mon.stop();
    mon = new NetlinkMonitor({ backstopMs: 1500, host: { name: HOST, inode: inode(HOST) } });
    await mon.follow({ name: ROUTER, inode: inode(ROUTER) });
    await look();
    expect(mon.verdict().look).toBe(false);
    await sleep(1500);
    expect(mon.verdict()).toMatchObject({ look: true, why: expect.stringMatching(/backstop/) });
  });

  test('subscribed() tells a listening ip monitor from a process without netlink groups', async () => {
    const p = execa('ip', ['-n', ROUTER, 'monitor', 'link'], { reject: false });
    const s = execa('sleep', ['30'], { reject: false });
    await waitFor(async () => subscribed(p.pid!), 5000, 'ip monitor subscribed');
    expect(await subscribed(s.pid!)).toBe(false);
    p.kill();
    s.kill();
    await Promise.all([p, s]);
  });
});

// The underlay NIC's snapshot and what plans do with it: carried on a move (static and
// DHCP-learned addresses, static/dhcp routes), put back when missing in the router netns (a
// run cut between the host and router batches), carried when the kernel hands the NIC back
// bare, and given back by teardown — also to a NIC already back in the host.
import { describe, expect, test } from 'vitest';
import { planKernel } from '../../../src/kernel/plan.js';
import { planTeardown } from '../../../src/kernel/teardown.js';
import {
  carried,
  mergeSnapshots,
  missingFrom,
  parseSnapshot,
  snapshotOf,
  type NicSnapshot,
} from '../../../src/kernel/nic-snapshot.js';
import { emptyNs, type ObservedAddr, type ObservedNs } from '../../../src/kernel/observed.js';
import type { Op } from '../../../src/kernel/ops.js';
import { desiredFor, l2vni, nodeConfig } from '../../helpers/config.js';
import { fixture, FORWARDING } from './fixtures.js';

const OPTS = { routerNetns: 'kp-router', hostNetns: 'kp-host' };
const argsOf = (o: Op): string => `${o.ns} ${o.phase} ${o.kind === 'ip' ? o.args.join(' ') : o.key}`;
const desired = () =>
  desiredFor(
    nodeConfig({
      l2vnis: [l2vni(110, { hostAddress: '192.170.10.20/24' }), l2vni(120)],
      underlay: { nics: [{ name: 'kp-eth1' }], mtu: 9000 },
    }),
  );
const addr = (local: string, prefixlen: number, o: Partial<ObservedAddr> = {}): ObservedAddr => ({
  family: local.includes(':') ? 6 : 4,
  local,
  prefixlen,
  scope: 0,
  dynamic: false,
  noprefixroute: false,
  ...o,
});
const nic = (ns: ObservedNs) => ns.links.find((l) => l.name === 'kp-eth1')!;

/** The recorded host before any apply, with a DHCP-learned address and a dhcp route added to the NIC. */
function hostWithDhcp(): ObservedNs {
  const h = fixture('host-before');
  nic(h).addrs.push(
    addr('192.168.50.7', 24, { dynamic: true }),
    addr('fe80::1', 64),
    addr('2001:db8::5', 64, { dynamic: true }),
    addr('2001:db8::9', 128, { dynamic: true }),
  );
  h.routes.push({
    family: 4,
    dst: '198.51.100.0/24',
    gateway: '192.168.50.1',
    dev: 'kp-eth1',
    table: 254,
    protocol: 16,
    type: 1,
    metric: 100,
    scope: 0,
    onlink: false,
    multipath: false,
  });
  return h;
}

const SNAP: NicSnapshot = {
  nic: 'kp-eth1',
  addrs: [
    { cidr: '192.168.50.2/24', family: 4 },
    { cidr: '192.168.50.7/24', family: 4 },
    { cidr: '2001:db8::9/128', family: 6 },
  ],
  routes: [
    { dst: '10.99.0.0/16', gateway: '192.168.50.1', dev: 'kp-eth1', table: 254, protocol: 3, metric: 50, family: 4 },
    {
      dst: '198.51.100.0/24',
      gateway: '192.168.50.1',
      dev: 'kp-eth1',
      table: 254,
      protocol: 16,
      metric: 100,
      family: 4,
    },
  ],
};

describe('what a NIC carries', () => {
  test('static and DHCP-learned addresses (IPv4 dynamic, DHCPv6 /128); not link-local, SLAAC or host scope', () => {
    expect(carried(addr('10.0.0.1', 24))).toBe(true);
    expect(carried(addr('10.0.0.2', 24, { dynamic: true }))).toBe(true);
    expect(carried(addr('2001:db8::9', 128, { dynamic: true }))).toBe(true);
    expect(carried(addr('2001:db8::5', 64, { dynamic: true }))).toBe(false);
    expect(carried(addr('fe80::1', 64))).toBe(false);
    expect(carried(addr('127.0.0.2', 8, { scope: 254 }))).toBe(false);
    expect(snapshotOf(nic(hostWithDhcp()), hostWithDhcp().routes)).toEqual(SNAP);
  });

  test('merge keeps every address and route once; missingFrom ignores a route another protocol holds at the same identity', () => {
    const more = {
      ...SNAP,
      addrs: [
        { cidr: '192.168.50.2/24', family: 4 as const },
        { cidr: '10.1.1.1/32', family: 4 as const },
      ],
    };
    expect(mergeSnapshots(SNAP, more).addrs.map((a) => a.cidr)).toEqual([
      '192.168.50.2/24',
      '192.168.50.7/24',
      '2001:db8::9/128',
      '10.1.1.1/32',
    ]);
    expect(mergeSnapshots(undefined, SNAP)).toBe(SNAP);
    const routes = [
      {
        family: 4 as const,
        dst: '10.99.0.0/16',
        gateway: '192.168.50.9',
        dev: 'kp-eth1',
        table: 254,
        protocol: 186,
        type: 1,
        metric: 50,
        scope: 0,
        onlink: false,
        multipath: false,
      },
    ];
    expect(missingFrom(SNAP, [addr('192.168.50.2', 24)], routes)).toEqual({
      addrs: SNAP.addrs.slice(1),
      routes: SNAP.routes.slice(1),
    });
  });

  test('parse: ours back; another NIC, garbage or a wrong shape is no snapshot', () => {
    expect(parseSnapshot(JSON.stringify({ ...SNAP, takenAt: 'x' }), 'kp-eth1')).toEqual(SNAP);
    expect(parseSnapshot(JSON.stringify(SNAP), 'eth9')).toBeUndefined();
    expect(parseSnapshot('{', 'kp-eth1')).toBeUndefined();
    expect(parseSnapshot('{"nic":"kp-eth1","addrs":{}}', 'kp-eth1')).toBeUndefined();
  });
});

describe('converge plans with the snapshot', () => {
  test('before the move: the snapshot to write holds the DHCP address and route; the move carries all of it', () => {
    const obs = { host: hostWithDhcp(), router: emptyNs() };
    obs.router.links.push({ name: 'lo', ifindex: 1, mtu: 65536, up: true, addrs: [] });
    const plan = planKernel(desired(), obs, OPTS);
    expect(plan.nicSnapshots).toEqual([SNAP]);
    const ops = plan.ops.map(argsOf);
    const move = ops.indexOf('host pre link set dev kp-eth1 netns kp-router');
    expect(move).toBeGreaterThan(-1);
    expect(ops.filter((o) => o.startsWith('router pre') && /kp-eth1/.test(o)).slice(0, 6)).toEqual([
      'router pre addr add 192.168.50.2/24 dev kp-eth1',
      'router pre addr add 192.168.50.7/24 dev kp-eth1',
      'router pre addr add 2001:db8::9/128 dev kp-eth1',
      'router pre link set dev kp-eth1 up',
      'router pre route add 10.99.0.0/16 via 192.168.50.1 dev kp-eth1 proto 3 metric 50',
      'router pre route add 198.51.100.0/24 via 192.168.50.1 dev kp-eth1 proto 16 metric 100',
    ]);
  });

  test('the NIC in the router netns without its addresses (killed between the batches): they come back, and only they', () => {
    const obs = { host: fixture('host-l2'), router: fixture('router-l2', FORWARDING) };
    const eth = nic(obs.router);
    eth.addrs = [];
    eth.up = false;
    obs.router.routes = obs.router.routes.filter((r) => r.dev !== 'kp-eth1');
    expect(planKernel(desired(), obs, OPTS).ops.map(argsOf)).toEqual(['router pre link set dev kp-eth1 up']);
    const ops = planKernel(desired(), obs, { ...OPTS, nicSnapshots: new Map([['kp-eth1', SNAP]]) }).ops.map(argsOf);
    expect(ops).toEqual([
      'router pre addr add 192.168.50.2/24 dev kp-eth1',
      'router pre addr add 192.168.50.7/24 dev kp-eth1',
      'router pre addr add 2001:db8::9/128 dev kp-eth1',
      'router pre link set dev kp-eth1 up',
      'router pre route add 10.99.0.0/16 via 192.168.50.1 dev kp-eth1 proto 3 metric 50',
      'router pre route add 198.51.100.0/24 via 192.168.50.1 dev kp-eth1 proto 16 metric 100',
    ]);
    // All there: nothing to write.
    const whole = { host: fixture('host-l2'), router: fixture('router-l2', FORWARDING) };
    const have = { ...SNAP, addrs: SNAP.addrs.slice(0, 1), routes: SNAP.routes.slice(0, 1) };
    expect(planKernel(desired(), whole, { ...OPTS, nicSnapshots: new Map([['kp-eth1', have]]) }).ops).toEqual([]);
  });

  test('the kernel handed the NIC back bare (router netns gone): moved again with the snapshot, which is not shrunk', () => {
    const obs = { host: fixture('host-before'), router: emptyNs() };
    nic(obs.host).addrs = [];
    obs.host.routes = [];
    const stored = new Map([['kp-eth1', SNAP]]);
    const plan = planKernel(desired(), obs, { ...OPTS, nicSnapshots: stored });
    expect(plan.nicSnapshots).toEqual([SNAP]);
    const ops = plan.ops.map(argsOf);
    expect(ops).toContain('host pre link set dev kp-eth1 netns kp-router');
    expect(ops.filter((o) => / (addr|route) add .*kp-eth1/.test(o))).toEqual([
      'router pre addr add 192.168.50.2/24 dev kp-eth1',
      'router pre addr add 192.168.50.7/24 dev kp-eth1',
      'router pre addr add 2001:db8::9/128 dev kp-eth1',
      'router pre route add 10.99.0.0/16 via 192.168.50.1 dev kp-eth1 proto 3 metric 50',
      'router pre route add 198.51.100.0/24 via 192.168.50.1 dev kp-eth1 proto 16 metric 100',
    ]);
  });
});

describe('teardown gives the NIC back from the snapshot', () => {
  const opts = { underlayNics: ['kp-eth1'], routerNetns: 'kp-router', hostTarget: { pid: 4242 } };
  test('in the router netns, bare (a converge cut short): moved back with the snapshot’s addresses and routes', () => {
    const router = fixture('router-l2');
    nic(router).addrs = [];
    router.routes = router.routes.filter((r) => r.dev !== 'kp-eth1');
    const ops = planTeardown(
      { host: fixture('host-l2'), router },
      { ...opts, nicSnapshots: new Map([['kp-eth1', SNAP]]) },
    ).ops.map(argsOf);
    expect(ops.filter((o) => /kp-eth1/.test(o))).toEqual([
      'router pre link set dev kp-eth1 netns 4242',
      'host post addr add 192.168.50.2/24 dev kp-eth1',
      'host post addr add 192.168.50.7/24 dev kp-eth1',
      'host post addr add 2001:db8::9/128 dev kp-eth1',
      'host post link set dev kp-eth1 up',
      'host post route add 10.99.0.0/16 via 192.168.50.1 dev kp-eth1 proto 3 metric 50',
      'host post route add 198.51.100.0/24 via 192.168.50.1 dev kp-eth1 proto 16 metric 100',
    ]);
  });

  test('already in the host (a teardown cut short after the move): what it lacks, nothing it has', () => {
    const host = fixture('host-before');
    const router = emptyNs();
    expect(
      planTeardown({ host, router }, { ...opts, nicSnapshots: new Map([['kp-eth1', SNAP]]) }).ops.map(argsOf),
    ).toEqual([
      'host post addr add 192.168.50.7/24 dev kp-eth1',
      'host post addr add 2001:db8::9/128 dev kp-eth1',
      'host post route add 198.51.100.0/24 via 192.168.50.1 dev kp-eth1 proto 16 metric 100',
    ]);
    expect(planTeardown({ host, router }, opts).ops).toEqual([]);
  });
});

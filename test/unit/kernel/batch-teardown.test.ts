import { describe, expect, test } from 'vitest';
import { batchesFor, failedLine, renderBatch } from '../../../src/kernel/batch.js';
import { linkAdd, ruleAdd, sysctlOp, type IpOp } from '../../../src/kernel/ops.js';
import { planTeardown, TEARDOWN_GROUP } from '../../../src/kernel/teardown.js';
import { fixture } from './fixtures.js';

describe('renderBatch', () => {
  test('one line per op, args joined by a space', () => {
    const ops = linkAdd({ ns: 'router', name: 'br-pe-5', kind: 'bridge', mac: '02:65:76:00:00:05' }, false, 'create');
    expect(renderBatch(ops)).toBe(
      'link add name br-pe-5 address 02:65:76:00:00:05 type bridge\nlink set dev br-pe-5 alias evpn-node\n',
    );
  });

  test('an argument that could smuggle batch syntax is refused, naming it and the op', () => {
    const bad: IpOp = {
      kind: 'ip',
      ns: 'host',
      phase: 'pre',
      args: ['link', 'del', 'x\nlink del eth0'],
      why: 'delete x',
    };
    expect(() => renderBatch([bad])).toThrow(/refusing ip argument "x\\nlink del eth0" \(in "delete x"\)/);
    for (const a of ['a b', '', 'a"b', "a'b", 'a;b', '#x', 'a\\b']) {
      expect(() => renderBatch([{ ...bad, args: ['link', 'del', a] }])).toThrow(/refusing ip argument/);
    }
  });

  test('IPv6 rule ops go to their own `ip -6 -batch` process after the main one; sysctls are not batch lines', () => {
    const ops = [
      ruleAdd('router', 'pre', 6, 32765, 'v6'),
      ruleAdd('router', 'pre', 4, 32765, 'v4'),
      sysctlOp('router', 'pre', 'net.ipv4.ip_forward', '1', 's'),
    ];
    const b = batchesFor(ops, 'pre', 'router');
    expect(b.map((x) => [x.flags, renderBatch(x.ops)])).toEqual([
      [[], 'rule add pref 32765 table local\n'],
      [['-6'], 'rule add pref 32765 table local\n'],
    ]);
    expect(batchesFor(ops, 'post', 'router')).toEqual([]);
  });

  test('failedLine reads ip -batch\'s "Command failed -:N"', () => {
    expect(failedLine('Cannot find device "nosuch"\nCommand failed -:3\n')).toBe(3);
    expect(failedLine('something else')).toBeUndefined();
  });
});

describe('planTeardown', () => {
  const G = TEARDOWN_GROUP;
  test('recorded L2 state: our links go by device group (pairs from the host end), VTEP removed, NIC back with address and route', () => {
    const plan = planTeardown(
      { host: fixture('host-l2'), router: fixture('router-l2') },
      { underlayNics: ['kp-eth1'], routerNetns: 'kp-router', hostTarget: { pid: 4242 } },
    );
    expect(plan.conflicts).toEqual([]);
    expect(plan.ops.map((o) => `${o.ns} ${o.phase} ${o.kind === 'ip' ? o.args.join(' ') : ''}`)).toEqual([
      `host pre link set dev host-110 group ${G}`,
      `host pre link set dev host-120 group ${G}`,
      `host pre link set dev br-hs-110 group ${G}`,
      `host pre link set dev br-hs-120 group ${G}`,
      `host pre link del group ${G}`,
      `router pre link set dev vni110 group ${G}`,
      `router pre link set dev vni120 group ${G}`,
      `router pre link set dev br-pe-110 group ${G}`,
      `router pre link set dev br-pe-120 group ${G}`,
      `router pre link del group ${G}`,
      'router pre addr del 100.65.0.4/32 dev lo',
      'router pre link set dev kp-eth1 netns 4242',
      'host post addr add 192.168.50.2/24 dev kp-eth1',
      'host post link set dev kp-eth1 up',
      'host post route add 10.99.0.0/16 via 192.168.50.1 dev kp-eth1 proto 3 metric 50',
    ]);
  });

  test('a foreign link in the group: our links are deleted one by one, the foreign one is never named', () => {
    const host = fixture('host-l2');
    const foreign = host.links.find((l) => l.name === 'lo');
    if (!foreign) throw new Error('fixture has no lo');
    foreign.group = G;
    const plan = planTeardown(
      { host, router: fixture('router-l2') },
      { underlayNics: ['kp-eth1'], routerNetns: 'kp-router', hostTarget: { pid: 4242 } },
    );
    const hostLines = plan.ops
      .filter((o) => o.ns === 'host' && o.phase === 'pre')
      .map((o) => (o.kind === 'ip' ? o.args.join(' ') : ''));
    expect(hostLines).toEqual([
      'link del dev host-110',
      'link del dev host-120',
      'link del dev br-hs-110',
      'link del dev br-hs-120',
    ]);
    expect(plan.conflicts).toEqual([expect.stringMatching(/group .* not evpn-node's .* one by one/)]);
    // The router netns has no foreign member: it still deletes by group.
    expect(
      plan.ops.some((o) => o.ns === 'router' && o.kind === 'ip' && o.args.join(' ') === `link del group ${G}`),
    ).toBe(true);
  });

  test('links of ours already in the group (an interrupted teardown) are not set again; our underlay VLAN in the group blocks the group delete', () => {
    const host = fixture('host-l2');
    for (const l of host.links) if (l.alias === 'evpn-node') l.group = G;
    const plan = planTeardown(
      { host, router: fixture('router-l2') },
      { underlayNics: ['kp-eth1'], routerNetns: 'kp-router', hostTarget: { pid: 4242 } },
    );
    expect(
      plan.ops
        .filter((o) => o.ns === 'host' && o.phase === 'pre')
        .map((o) => (o.kind === 'ip' ? o.args.join(' ') : '')),
    ).toEqual([`link del group ${G}`]);
    const router = fixture('router-l2');
    const nic = router.links.find((l) => l.name === 'kp-eth1');
    if (!nic) throw new Error('fixture has no kp-eth1');
    Object.assign(nic, { alias: 'evpn-node', group: G });
    const vlanPlan = planTeardown(
      { host: fixture('host-l2'), router },
      { underlayNics: ['kp-eth1'], routerNetns: 'kp-router', hostTarget: { pid: 4242 } },
    );
    expect(vlanPlan.ops.some((o) => o.ns === 'router' && o.kind === 'ip' && o.args.includes('group'))).toBe(false);
  });

  test("routes of ours removed, the local rule order restored, FRR's routes never copied back, our VLAN NIC deleted", () => {
    const router = fixture('router-misc');
    router.links.push({
      name: 'eth1.100',
      ifindex: 60,
      kind: 'vlan',
      vlan: { id: 100 },
      alias: 'evpn-node',
      mtu: 1500,
      up: true,
      addrs: [],
    });
    const plan = planTeardown(
      { host: fixture('host-before'), router },
      { underlayNics: ['eth9'], routerNetns: 'r', hostTarget: { name: 'h' } },
    );
    const lines = plan.ops.map((o) => `${o.ns} ${o.phase} ${o.kind === 'ip' ? o.args.join(' ') : ''}`);
    expect(lines).toEqual([
      'router pre route del default via 192.168.60.1 dev eth9 proto 240',
      'router pre route del ::/0 via fd60::1 dev eth9 proto 240 metric 1024',
      `router pre link set dev vni7 group ${G}`,
      `router pre link set dev eth1.100 group ${G}`,
      `router pre link del group ${G}`,
      'router pre addr del 100.65.0.9/32 dev lo',
      'router pre rule add pref 0 table local',
      'router pre rule del pref 32765 table local',
      'router pre -6 rule del pref 32765 table local',
      'router pre link set dev eth9 netns h',
      'host post addr add 192.168.60.2/24 dev eth9',
      'host post addr add fd60::2/64 dev eth9',
      'host post link set dev eth9 up',
      'host post route add 10.98.0.0/16 via 192.168.60.1 dev eth9 proto 4 metric 20',
    ]);
    const vlan = planTeardown(
      { host: fixture('host-before'), router },
      { underlayNics: ['eth1.100'], routerNetns: 'r', hostTarget: { name: 'h' } },
    );
    expect(
      vlan.ops
        .filter((o) => o.kind === 'ip' && o.args.includes('eth1.100'))
        .map((o) => (o.kind === 'ip' ? o.args.join(' ') : '')),
    ).toEqual(['link del dev eth1.100']);
  });
});

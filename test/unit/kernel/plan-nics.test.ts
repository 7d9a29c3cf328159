// Several underlay NICs (dual ToR): each is moved with its addresses and routes, each is waited
// for on its own, none of them is ever a stale link, and teardown gives every one of them back.

import { describe, expect, test } from 'vitest';
import { planKernel } from '../../../src/kernel/plan.js';
import { planTeardown } from '../../../src/kernel/teardown.js';
import { describeOp, type Op } from '../../../src/kernel/ops.js';
import { emptyNs, type ObservedLink, type ObservedNs } from '../../../src/kernel/observed.js';
import { desiredFor, nodeConfig } from '../../helpers/config.js';
import { clone, fixture, FORWARDING } from './fixtures.js';

const OPTS = { routerNetns: 'kp-router', hostNetns: 'kp-host' };
const nsName = (ns: 'host' | 'router') => (ns === 'host' ? 'kp-host' : 'kp-router');
const lines = (ops: Op[]) => ops.map((o) => `${o.phase} ${describeOp(o, nsName)}`);

/** The recorded host with kp-eth1 and a second NIC kp-eth2 (its own address and static route). */
function hostTwoNics(): ObservedNs {
  const host = fixture('host-before');
  const eth1 = host.links.find((l) => l.name === 'kp-eth1') as ObservedLink;
  const eth2: ObservedLink = {
    ...clone(eth1),
    name: 'kp-eth2',
    ifindex: 3,
    addrs: [{ ...clone(eth1.addrs[0]!), local: '192.168.60.2', label: 'kp-eth2' }],
  };
  host.links.push(eth2);
  const r1 = host.routes.find((r) => r.dev === 'kp-eth1' && r.gateway)!;
  host.routes.push({ ...clone(r1), dst: '10.98.0.0/16', gateway: '192.168.60.1', dev: 'kp-eth2' });
  return host;
}

function routerWithLo(): ObservedNs {
  const ns = emptyNs();
  ns.links.push({ name: 'lo', ifindex: 1, mtu: 65536, up: true, addrs: [] });
  ns.sysctls = { ...FORWARDING };
  return ns;
}

const twoNics = () => desiredFor(nodeConfig({ underlay: { nics: [{ name: 'kp-eth1' }, { name: 'kp-eth2' }] } }));

describe('two underlay NICs', () => {
  test('both leave the host last and get their addresses and routes back first in the router netns', () => {
    const plan = planKernel(twoNics(), { host: hostTwoNics(), router: routerWithLo() }, OPTS);
    expect(plan.conflicts).toEqual([]);
    const underlay = lines(plan.ops).filter((l) => /kp-eth/.test(l));
    expect(underlay).toEqual([
      'pre ip -n kp-host link set dev kp-eth1 netns kp-router',
      'pre ip -n kp-host link set dev kp-eth2 netns kp-router',
      'pre ip -n kp-router addr add 192.168.50.2/24 dev kp-eth1',
      'pre ip -n kp-router link set dev kp-eth1 up',
      'pre ip -n kp-router route add 10.99.0.0/16 via 192.168.50.1 dev kp-eth1 proto 3 metric 50',
      'pre ip -n kp-router addr add 192.168.60.2/24 dev kp-eth2',
      'pre ip -n kp-router link set dev kp-eth2 up',
      'pre ip -n kp-router route add 10.98.0.0/16 via 192.168.60.1 dev kp-eth2 proto 3 metric 50',
    ]);
    // The host batch ends with the moves: nothing after them can strand a NIC.
    const host = plan.ops.filter((o) => o.ns === 'host' && o.phase === 'pre');
    expect(host.slice(-2).map((o) => (o.kind === 'ip' ? o.args.join(' ') : ''))).toEqual([
      'link set dev kp-eth1 netns kp-router',
      'link set dev kp-eth2 netns kp-router',
    ]);
  });

  test('one NIC missing: a conflict for that one only, the other still moved', () => {
    const host = hostTwoNics();
    host.links = host.links.filter((l) => l.name !== 'kp-eth1');
    const plan = planKernel(twoNics(), { host, router: routerWithLo() }, OPTS);
    expect(plan.conflicts).toEqual(['underlay NIC kp-eth1 not found in the host or router netns (waiting?)']);
    expect(lines(plan.ops)).toContain('pre ip -n kp-host link set dev kp-eth2 netns kp-router');
  });

  test('both in the router netns: nothing to do, neither is a stale link (a VLAN one of ours included)', () => {
    const router = routerWithLo();
    const host = hostTwoNics();
    for (const l of host.links.filter((x) => x.name.startsWith('kp-eth'))) router.links.push({ ...l });
    router.links.push({
      name: 'eth2.100',
      ifindex: 40,
      kind: 'vlan',
      vlan: { id: 100 },
      alias: 'evpn-node',
      mtu: 1500,
      up: true,
      addrs: [],
    });
    host.links = host.links.filter((l) => !l.name.startsWith('kp-eth'));
    const d = desiredFor(
      nodeConfig({
        underlay: {
          nics: [{ name: 'kp-eth1' }, { name: 'kp-eth2' }, { name: 'eth2.100', vlan: { parent: 'kp-eth2', id: 100 } }],
        },
      }),
    );
    const plan = planKernel(d, { host, router }, OPTS);
    // Only the VTEP (this router netns never had one): no move, no up, no delete of any NIC.
    expect(lines(plan.ops)).toEqual(['pre ip -n kp-router addr add 100.65.0.4/32 dev lo label lo:evpn']);
  });

  test('teardown gives every NIC back with its addresses and routes (a VLAN of ours is deleted)', () => {
    const router = routerWithLo();
    const host = hostTwoNics();
    for (const l of host.links.filter((x) => x.name.startsWith('kp-eth'))) router.links.push(clone(l));
    router.routes = host.routes.filter((r) => r.dev?.startsWith('kp-eth')).map(clone);
    router.links.push({
      name: 'eth2.100',
      ifindex: 40,
      kind: 'vlan',
      vlan: { id: 100 },
      alias: 'evpn-node',
      mtu: 1500,
      up: true,
      addrs: [],
    });
    host.links = host.links.filter((l) => !l.name.startsWith('kp-eth'));
    host.routes = [];
    const plan = planTeardown(
      { host, router },
      { underlayNics: ['kp-eth1', 'kp-eth2', 'eth2.100'], routerNetns: 'kp-router', hostTarget: { name: 'kp-host' } },
    );
    expect(lines(plan.ops)).toEqual([
      'pre ip -n kp-router link set dev kp-eth1 netns kp-host',
      'pre ip -n kp-router link set dev kp-eth2 netns kp-host',
      'pre ip -n kp-router link del dev eth2.100',
      'post ip -n kp-host addr add 192.168.50.2/24 dev kp-eth1',
      'post ip -n kp-host link set dev kp-eth1 up',
      'post ip -n kp-host route add 10.99.0.0/16 via 192.168.50.1 dev kp-eth1 proto 3 metric 50',
      'post ip -n kp-host addr add 192.168.60.2/24 dev kp-eth2',
      'post ip -n kp-host link set dev kp-eth2 up',
      'post ip -n kp-host route add 10.98.0.0/16 via 192.168.60.1 dev kp-eth2 proto 3 metric 50',
    ]);
  });
});

describe('ECMP across ToRs', () => {
  test('more than one underlay neighbor: the router netns hashes multipath routes on L4 (VXLAN source ports)', () => {
    const two = desiredFor(
      nodeConfig({
        underlay: { nics: [{ name: 'kp-eth1' }, { name: 'kp-eth2' }] },
        neighbors: [
          { interface: 'kp-eth1', type: 'external' },
          { interface: 'kp-eth2', type: 'external' },
        ],
      }),
    );
    expect(two.sysctls).toContainEqual({ ns: 'router', key: 'net.ipv4.fib_multipath_hash_policy', value: '1' });
    const plan = planKernel(two, { host: hostTwoNics(), router: routerWithLo() }, OPTS);
    expect(lines(plan.ops)).toContain('pre ip netns exec kp-router sysctl -w net.ipv4.fib_multipath_hash_policy=1');
    // One ToR: no multipath routes, nothing to hash; the sysctl is left alone.
    expect(twoNics().sysctls.map((s) => s.key)).not.toContain('net.ipv4.fib_multipath_hash_policy');
  });
});

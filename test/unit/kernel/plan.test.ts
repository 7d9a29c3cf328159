import { describe, expect, test } from 'vitest';
import { planKernel } from '../../../src/kernel/plan.js';
import { describeOp, type Op } from '../../../src/kernel/ops.js';
import { emptyNs, type ObservedLink, type ObservedNs } from '../../../src/kernel/observed.js';
import type { DesiredKernel } from '../../../src/model/desired.js';
import { desiredFor, l2vni, l3vni, nodeConfig } from '../../helpers/config.js';
import { clone, fixture, FORWARDING } from './fixtures.js';

const OPTS = { routerNetns: 'kp-router', hostNetns: 'kp-host' };
const nsName = (ns: 'host' | 'router') => (ns === 'host' ? 'kp-host' : 'kp-router');
const argsOf = (o: Op) => (o.kind === 'ip' ? o.args.join(' ') : `sysctl ${o.key}=${o.value}`);

/**
 * Golden plans, as frr-k8s keeps golden frr.conf files: the ops, one a line with their phase and
 * why, compared with golden/<this test's name>.plan.txt. To rewrite them, then review the diff:
 * `npx vitest run --update=all test/unit/kernel/plan.test.ts` (`-u` takes a value: `-u FILE`
 * would run every test file).
 */
async function expectGolden(ops: readonly Op[]): Promise<void> {
  const name = (expect.getState().currentTestName ?? '').split(' > ').at(-1) ?? '';
  const file = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  const text = ops.map((o) => `${describeOp(o, nsName).padEnd(110)} # ${o.phase}: ${o.why}`).join('\n');
  await expect(`${text}\n`).toMatchFileSnapshot(`golden/${file}.plan.txt`);
}

/** The state the integration test recorded after applying L2VNIs 110 and 120. */
const l2Desired = (vnis = [110, 120]) =>
  desiredFor(
    nodeConfig({
      l2vnis: vnis.map((v) => l2vni(v, v === 110 ? { hostAddress: '192.170.10.20/24' } : {})),
      underlay: { nics: [{ name: 'kp-eth1' }], mtu: 9000 },
    }),
  );
const applied = () => ({ host: fixture('host-l2'), router: fixture('router-l2', FORWARDING) });
const fresh = () => ({ host: fixture('host-before'), router: routerWithLo() });

function routerWithLo(): ObservedNs {
  const ns = emptyNs();
  ns.links.push({ name: 'lo', ifindex: 1, mtu: 65536, up: true, addrs: [] });
  // A new netns's rules: local, main (and default for IPv4).
  ns.rules = [
    ...[0, 32766, 32767].map((pref) => ({
      family: 4 as const,
      pref,
      table: [255, 254, 253][[0, 32766, 32767].indexOf(pref)],
      plain: true,
    })),
    ...[0, 32766].map((pref) => ({ family: 6 as const, pref, table: pref === 0 ? 255 : 254, plain: true })),
  ];
  return ns;
}

const linkIn = (ns: ObservedNs, name: string): ObservedLink => {
  const l = ns.links.find((x) => x.name === name);
  if (!l) throw new Error(`no ${name}`);
  return l;
};

describe('planKernel: from nothing', () => {
  // What the golden file shows: the router end of a veth is created in the router netns (no move:
  // no RCU wait) and marked there; pure bridge ports get `addrgenmode none` before their first up;
  // the underlay leaves the host last and is configured first in the router netns.
  test('L2VNI: the exact ip lines, in batch order', async () => {
    const plan = planKernel(l2Desired([110]), fresh(), OPTS);
    expect(plan.conflicts).toEqual([]);
    await expectGolden(plan.ops);
  });

  test('L3VNI with host session, primary default route, mtu: golden plan', async () => {
    const c = nodeConfig({
      l3vnis: [
        l3vni('red', 100, {
          hostSession: { asn: 64514, hostASN: 64515, localCIDR: { ipv4: '192.169.10.0/24', ipv6: 'fd00:10::/64' } },
        }),
      ],
      l2vnis: [l2vni(110, { l3vni: 'red', gatewayIPs: ['192.170.10.1/24'] })],
      primary: { l3vni: 'red', defaultRoute: true },
      underlay: { mtu: 9000 },
    });
    const host = fixture('host-before');
    linkIn(host, 'kp-eth1').name = 'eth1';
    for (const r of host.routes) if (r.dev === 'kp-eth1') r.dev = 'eth1';
    const plan = planKernel(desiredFor(c), { host, router: routerWithLo() }, OPTS);
    expect(plan.conflicts).toEqual([]);
    await expectGolden(plan.ops);
    // Order facts the golden file shows, asserted so a refresh cannot hide them.
    const ix = (re: RegExp) => plan.ops.findIndex((o) => re.test(argsOf(o)));
    expect(ix(/^link add name red .*type vrf table 1100/)).toBeLessThan(ix(/^link add name br-pe-100 .*master red/));
    expect(ix(/^link add name br-pe-100/)).toBeLessThan(ix(/^link add name vni100 .*master br-pe-100/));
    expect(ix(/^rule add pref 32765/)).toBeLessThan(ix(/^rule del pref 0/));
    expect(ix(/^-6 rule add pref 32765/)).toBeLessThan(ix(/^-6 rule del pref 0/));
    const route = plan.ops.find((o) => /^route add default/.test(argsOf(o)));
    expect(route && argsOf(route)).toBe('route add default via 192.169.10.1 dev host-100 proto 240');
    expect(route?.phase).toBe('post');
    expect(plan.ops.filter((o) => argsOf(o).startsWith('route add ::/0'))).toHaveLength(1);
  });
});

describe('planKernel: idempotency and drift', () => {
  test('observed == desired (recorded after a real apply): zero ops, zero conflicts', () => {
    const plan = planKernel(l2Desired(), applied(), OPTS);
    expect(plan).toEqual({ ops: [], conflicts: [] });
  });

  test('one attribute differs: exactly one link set with only that attribute', () => {
    const obs = applied();
    linkIn(obs.router, 'vni110').mtu = 1500;
    expect(planKernel(l2Desired(), obs, OPTS).ops.map(argsOf)).toEqual(['link set dev vni110 mtu 8950']);
    const obs2 = applied();
    linkIn(obs2.router, 'br-pe-120').mac = '02:00:00:00:00:01';
    expect(planKernel(l2Desired(), obs2, OPTS).ops.map(argsOf)).toEqual([
      'link set dev br-pe-120 address 02:65:76:00:00:78',
    ]);
  });

  test('bridge-port flags differ: one bridge_slave line', () => {
    const obs = applied();
    linkIn(obs.router, 'vni120').bridgePort = { neighSuppress: false, learning: true };
    const plan = planKernel(l2Desired(), obs, OPTS);
    expect(plan.ops.map(argsOf)).toEqual(['link set dev vni120 type bridge_slave neigh_suppress on learning off']);
    expect(plan.ops[0]?.why).toMatch(/neigh_suppress off learning on\) -> neigh_suppress on learning off/);
  });

  test('master differs: master then port flags again (re-enslaving resets them)', async () => {
    const obs = applied();
    delete linkIn(obs.router, 'vni110').master;
    delete linkIn(obs.router, 'vni110').bridgePort;
    await expectGolden(planKernel(l2Desired(), obs, OPTS).ops);
  });

  test('a link found down is brought up in post; one that wants no link-local gets addrgenmode none first (it acts at the next up)', async () => {
    const obs = applied();
    linkIn(obs.host, 'host-120').up = false;
    linkIn(obs.host, 'br-hs-120').up = false;
    const plan = planKernel(l2Desired(), obs, OPTS);
    await expectGolden(plan.ops);
  });

  test('a bridge port or non-routing bridge with an IPv6 link-local address (older evpn-node, or a mode set by hand): mode set, address deleted, no recreate', async () => {
    const obs = applied();
    const ll = {
      family: 6 as const,
      local: 'fe80::1:2ff:fe03:405',
      prefixlen: 64,
      scope: 253,
      dynamic: false,
      noprefixroute: false,
    };
    const bridgeLl = { ...ll, local: 'fe80::9' };
    linkIn(obs.router, 'pe-120').addrs.push(ll);
    linkIn(obs.router, 'br-pe-120').addrs.push(bridgeLl);
    const plan = planKernel(l2Desired(), obs, OPTS);
    expect(plan.conflicts).toEqual([]);
    await expectGolden(plan.ops);
    // Applied, the next observation has no address on the up links: nothing to do.
    linkIn(obs.router, 'pe-120').addrs = linkIn(obs.router, 'pe-120').addrs.filter((a) => a !== ll);
    linkIn(obs.router, 'br-pe-120').addrs = linkIn(obs.router, 'br-pe-120').addrs.filter((a) => a !== bridgeLl);
    expect(planKernel(l2Desired(), obs, OPTS).ops).toEqual([]);
  });

  test('a bridge desired with its link-local (desiredKernel: one that routes) keeps it: nothing planned for it', () => {
    const obs = applied();
    linkIn(obs.router, 'br-pe-120').addrs.push({
      family: 6,
      local: 'fe80::9',
      prefixlen: 64,
      scope: 253,
      dynamic: false,
      noprefixroute: false,
    });
    const desired = l2Desired();
    const br = desired.links.find((l) => l.name === 'br-pe-120');
    delete br?.ipv6LinkLocal;
    expect(planKernel(desired, obs, OPTS).ops).toEqual([]);
  });

  test('an attribute that cannot change in place: delete + create, and the why says so', async () => {
    const obs = applied();
    linkIn(obs.router, 'vni110').vxlan = { id: 110, local: '100.65.0.99', port: 4789, learning: false };
    const plan = planKernel(l2Desired(), obs, OPTS);
    await expectGolden(plan.ops);
    expect(plan.ops[0]?.why).toMatch(/vxlan local 100.65.0.99 -> 100.65.0.4 cannot change in place/);
  });

  test('a router leg left unmarked (router batch did not run) but paired with our host leg: marked, no conflict', () => {
    const obs = applied();
    delete linkIn(obs.router, 'pe-120').alias;
    const plan = planKernel(l2Desired(), obs, OPTS);
    expect(plan.conflicts).toEqual([]);
    expect(plan.ops.map((o) => `${o.ns} ${o.phase} ${argsOf(o)}`)).toEqual([
      'router pre link set dev pe-120 alias evpn-node',
    ]);
  });

  test('an unmarked router leg NOT paired with our host leg stays foreign: conflict', () => {
    const obs = applied();
    delete linkIn(obs.router, 'pe-120').alias;
    delete linkIn(obs.host, 'host-120').alias;
    const plan = planKernel(l2Desired(), obs, OPTS);
    expect(plan.conflicts.join('\n')).toMatch(/pe-120 in the router netns exists but was not created by evpn-node/);
    expect(plan.ops.filter((o) => o.kind === 'ip' && o.args.includes('pe-120'))).toEqual([]);
  });

  test('a veth whose peer is not the desired one: the pair is recreated from the host side', async () => {
    const obs = applied();
    obs.router.links = obs.router.links.filter((l) => l.name !== 'pe-120');
    linkIn(obs.host, 'host-120').peer = { ifindex: 99 };
    const plan = planKernel(l2Desired(), obs, OPTS);
    expect(plan.conflicts).toEqual([]);
    await expectGolden(plan.ops);
    expect(plan.ops[0]?.why).toMatch(/its peer is not pe-120 in the router netns/);
  });

  test('a router leg paired with something the host batch cannot reach: deleted now, pair created by the next apply', async () => {
    const obs = applied();
    linkIn(obs.host, 'host-120').peer = { ifindex: 99, netnsid: 1 };
    linkIn(obs.router, 'pe-120').peer = { ifindex: 98, netnsid: 2 };
    const plan = planKernel(l2Desired(), obs, OPTS);
    await expectGolden(plan.ops);
    expect(plan.conflicts).toEqual([expect.stringMatching(/pair is created by the next apply/)]);
  });

  test('VXLAN deleted by hand: only it is recreated', () => {
    const obs = applied();
    obs.router.links = obs.router.links.filter((l) => l.name !== 'vni120');
    expect(planKernel(l2Desired(), obs, OPTS).ops.every((o) => o.kind === 'ip' && o.args.includes('vni120'))).toBe(
      true,
    );
  });

  test('sysctl differs: one sysctl op', () => {
    const obs = applied();
    obs.router.sysctls['net.ipv4.ip_forward'] = '0';
    expect(planKernel(l2Desired(), obs, OPTS).ops).toEqual([
      {
        kind: 'sysctl',
        ns: 'router',
        phase: 'pre',
        key: 'net.ipv4.ip_forward',
        value: '1',
        why: 'net.ipv4.ip_forward is 0, want 1',
      },
    ]);
  });
});

describe('planKernel: ownership', () => {
  test('foreign link with our name: conflict, no op touches it or what depends on it', () => {
    const obs = applied();
    delete linkIn(obs.router, 'br-pe-120').alias;
    linkIn(obs.router, 'br-pe-120').mtu = 1234;
    const plan = planKernel(l2Desired(), obs, OPTS);
    expect(plan.conflicts[0]).toMatch(
      /^br-pe-120 in the router netns exists but was not created by evpn-node \(alias is unset/,
    );
    expect(plan.ops).toEqual([]);
  });

  test('our stale link: deleted in post; a stale veth pair goes from its host end only', async () => {
    const plan = planKernel(l2Desired([110]), applied(), OPTS);
    await expectGolden(plan.ops);
  });

  test('foreign links, addresses and routes are never touched', () => {
    const obs = applied();
    obs.router.links.push({
      name: 'br-pe-7',
      ifindex: 50,
      kind: 'bridge',
      mtu: 1500,
      up: false,
      addrs: [{ family: 4, local: '10.7.0.1', prefixlen: 24, scope: 0, dynamic: false, noprefixroute: false }],
    });
    linkIn(obs.router, 'kp-eth1').addrs.push({
      family: 4,
      local: '192.168.51.2',
      prefixlen: 24,
      scope: 0,
      dynamic: false,
      noprefixroute: false,
    });
    obs.host.routes.push({
      family: 4,
      dst: '10.5.0.0/16',
      gateway: '192.170.10.1',
      dev: 'br-hs-110',
      table: 254,
      protocol: 4,
      type: 1,
      metric: 0,
      scope: 0,
      onlink: false,
      multipath: false,
    });
    expect(planKernel(l2Desired(), obs, OPTS)).toEqual({ ops: [], conflicts: [] });
  });

  test('addresses on our links: missing added, extra removed, link-local and dynamic ignored', () => {
    const obs = applied();
    const br = linkIn(obs.host, 'br-hs-110');
    br.addrs = br.addrs.filter((a) => a.family === 6);
    br.addrs.push({ family: 4, local: '192.170.99.9', prefixlen: 24, scope: 0, dynamic: false, noprefixroute: false });
    br.addrs.push({ family: 6, local: '2001:db8::1', prefixlen: 64, scope: 0, dynamic: true, noprefixroute: false });
    expect(planKernel(l2Desired(), obs, OPTS).ops.map(argsOf)).toEqual([
      'addr del 192.170.99.9/24 dev br-hs-110',
      'addr add 192.170.10.20/24 dev br-hs-110',
    ]);
  });

  test('VTEP: an old lo:evpn address is removed, the new one added with the label', () => {
    const obs = applied();
    const lo = linkIn(obs.router, 'lo');
    for (const a of lo.addrs) if (a.label === 'lo:evpn') a.local = '100.65.0.9';
    expect(planKernel(l2Desired(), obs, OPTS).ops.map(argsOf)).toEqual([
      'addr del 100.65.0.9/32 dev lo',
      'addr add 100.65.0.4/32 dev lo label lo:evpn',
    ]);
  });
});

describe('planKernel: routes and rules', () => {
  const primaryDesired = (): DesiredKernel => {
    const d = l2Desired();
    d.routes.push({ ns: 'host', dst: 'default', family: 4, via: '192.170.10.1', dev: 'br-hs-110' });
    return d;
  };

  test('default route: added with proto 240 in post; already there: nothing; gateway changed: replace', () => {
    const plan = planKernel(primaryDesired(), applied(), OPTS);
    expect(plan.ops.map((o) => `${o.ns} ${o.phase} ${argsOf(o)}`)).toEqual([
      'host post route add default via 192.170.10.1 dev br-hs-110 proto 240',
    ]);
    const obs = applied();
    obs.host.routes.push({
      family: 4,
      dst: 'default',
      gateway: '192.170.10.1',
      dev: 'br-hs-110',
      table: 254,
      protocol: 240,
      type: 1,
      metric: 0,
      scope: 0,
      onlink: false,
      multipath: false,
    });
    expect(planKernel(primaryDesired(), obs, OPTS).ops).toEqual([]);
    const route = obs.host.routes.at(-1);
    if (route) route.gateway = '192.170.10.254';
    expect(planKernel(primaryDesired(), obs, OPTS).ops.map(argsOf)).toEqual([
      'route replace default via 192.170.10.1 dev br-hs-110 proto 240',
    ]);
  });

  test('a foreign default route with the same metric is a conflict, and ours is not added', () => {
    const obs = applied();
    obs.host.routes.push({
      family: 4,
      dst: 'default',
      gateway: '10.0.0.1',
      dev: 'br-hs-110',
      table: 254,
      protocol: 16,
      type: 1,
      metric: 0,
      scope: 0,
      onlink: false,
      multipath: false,
    });
    const plan = planKernel(primaryDesired(), obs, OPTS);
    expect(plan.ops).toEqual([]);
    expect(plan.conflicts).toEqual([
      expect.stringMatching(/host netns already has a default route via 10.0.0.1 .* not created by evpn-node/),
    ]);
  });

  test('our routes no longer desired are deleted (both families), others are not', async () => {
    const obs = applied();
    const misc = fixture('router-misc');
    obs.host.routes.push(...misc.routes.filter((r) => r.protocol === 240 || r.protocol === 186));
    await expectGolden(planKernel(l2Desired(), obs, OPTS).ops);
  });

  test('no VRF desired and the local rule still moved: restored (add pref 0 first, then drop 32765)', async () => {
    const obs = applied();
    const misc = fixture('router-misc');
    obs.router.rules = misc.rules;
    await expectGolden(planKernel(l2Desired(), obs, OPTS).ops);
  });

  test('VRF desired, rules already moved: nothing to do', () => {
    const obs = applied();
    obs.router.rules = [
      { family: 4, pref: 32765, table: 255, plain: true },
      { family: 6, pref: 32765, table: 255, plain: true },
    ];
    const d = l2Desired();
    d.rules = [
      { family: 4, pref: 32765, table: 'local' },
      { family: 6, pref: 32765, table: 'local' },
    ];
    expect(planKernel(d, obs, OPTS).ops).toEqual([]);
  });
});

describe('planKernel: underlay', () => {
  test('NIC in neither namespace: a conflict the daemon waits on, the rest still planned', () => {
    const obs = fresh();
    obs.host.links = obs.host.links.filter((l) => l.name !== 'kp-eth1');
    const plan = planKernel(l2Desired([110]), obs, OPTS);
    expect(plan.conflicts).toEqual(['underlay NIC kp-eth1 not found in the host or router netns (waiting?)']);
    expect(plan.ops.some((o) => argsOf(o).startsWith('link add name vni110'))).toBe(true);
  });

  test('NIC already in the router netns but down: brought up; lo down: brought up first', async () => {
    const obs = applied();
    linkIn(obs.router, 'kp-eth1').up = false;
    linkIn(obs.router, 'lo').up = false;
    await expectGolden(planKernel(l2Desired(), obs, OPTS).ops);
  });

  test('VLAN underlay: created with our alias in the host, then moved', async () => {
    const d = desiredFor(
      nodeConfig({ underlay: { nics: [{ name: 'eth1.100', vlan: { parent: 'kp-eth1', id: 100 } }] } }),
    );
    const plan = planKernel(d, fresh(), OPTS);
    await expectGolden(plan.ops.filter((o) => o.ns === 'host'));
    // Ours and in the router netns: not a stale link.
    const obs = applied();
    obs.router.links.push({
      name: 'eth1.100',
      ifindex: 40,
      kind: 'vlan',
      vlan: { id: 100 },
      alias: 'evpn-node',
      mtu: 1500,
      up: true,
      addrs: [],
    });
    expect(
      planKernel({ ...l2Desired(), underlays: [{ name: 'eth1.100', vlan: { parent: 'kp-eth1', id: 100 } }] }, obs, OPTS)
        .ops,
    ).toEqual([]);
  });
});

test('1000 L2VNIs plan from nothing, then from their own recorded shape, in reasonable time', () => {
  const vnis = Array.from({ length: 1000 }, (_, i) => 1000 + i);
  const d = desiredFor(nodeConfig({ l2vnis: vnis.map((v) => l2vni(v)), underlay: { nics: [{ name: 'kp-eth1' }] } }));
  const t0 = performance.now();
  const plan = planKernel(d, fresh(), OPTS);
  const ms = performance.now() - t0;
  expect(plan.ops.length).toBeGreaterThan(10_000);
  expect(ms).toBeLessThan(5_000);
  // Same recorded shape as router-l2 for every VNI: a fresh clone per VNI would be slow to build; one is enough to check the index paths.
  expect(clone(plan.ops[0])).toEqual(plan.ops[0]);
});

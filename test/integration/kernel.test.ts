// The kernel layer against the real kernel and ip: netns kp-host (stands in for the node, with
// an underlay NIC kp-eth1 cabled to kp-peer) and kp-router (FRR's netns; no FRR needed here).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import { writeFile, mkdir } from 'node:fs/promises';
import { netnsAdd, netnsDel, kernelSupports, waitFor } from '../helpers/frr.js';
import { desiredFor, l2vni, l3vni, nodeConfig } from '../helpers/config.js';
import { observeBoth, OBSERVE_ARGS, OBSERVE_BATCH, type ObservedBoth } from '../../src/kernel/observe.js';
import { planKernel } from '../../src/kernel/plan.js';
import { applyPlan } from '../../src/kernel/apply.js';
import { planTeardown } from '../../src/kernel/teardown.js';
import { processRunner, type Runner } from '../../src/kernel/runner.js';
import type { DesiredKernel } from '../../src/model/desired.js';
import type { KernelPlan } from '../../src/kernel/plan-context.js';

const HOST = 'kp-host';
const ROUTER = 'kp-router';
const PEER = 'kp-peer';
const refs = { host: { name: HOST }, router: { name: ROUTER } };
const FIXTURES = new URL('../fixtures/ip/', import.meta.url);
const RECORD = process.env['RECORD_IP_FIXTURES'] === '1';

const ip = (...args: string[]) => execa('ip', args);
const ipJson = async <T = any>(...args: string[]): Promise<T> =>
  JSON.parse((await execa('ip', ['-j', ...args])).stdout) as T;

/** A runner that counts the processes it starts, over the real one. */
function countingRunner(): Runner & { calls: string[][] } {
  const real = processRunner();
  const calls: string[][] = [];
  return {
    calls,
    ip: (ns, args, stdin) => (calls.push(['ip', ns.name ?? '', ...args]), real.ip(ns, args, stdin)),
    exec: (ns, cmd, args) => (calls.push([cmd, ns.name ?? '', ...args]), real.exec(ns, cmd, args)),
  };
}

const cfg = (vnis: number[], extra = {}) =>
  nodeConfig({
    l2vnis: vnis.map((v) => l2vni(v, v === 110 ? { hostAddress: '192.170.10.20/24' } : {})),
    ...extra,
    underlay: { nics: [{ name: 'kp-eth1' }], mtu: 9000 },
  });

async function observeNow(desired: DesiredKernel, runner: Runner = processRunner()): Promise<ObservedBoth> {
  return observeBoth({ routerNetns: ROUTER, hostNetns: HOST, runner, desired });
}

async function planNow(desired: DesiredKernel): Promise<KernelPlan> {
  return planKernel(desired, await observeNow(desired), { routerNetns: ROUTER, hostNetns: HOST });
}

async function applyAll(plan: KernelPlan, runner: Runner = processRunner()): Promise<void> {
  await applyPlan(runner, plan, 'pre', refs);
  await applyPlan(runner, plan, 'post', refs);
}

/**
 * Wait until IPv6 DAD is over in both namespaces: finishing DAD is an RTM_NEWADDR the kernel
 * sends by itself, a second or two after a link comes up (not a write of ours).
 */
async function settled(): Promise<void> {
  await waitFor(
    async () => {
      for (const ns of [HOST, ROUTER]) {
        const links = await ipJson<Array<{ addr_info: Array<{ tentative?: boolean }> }>>('-n', ns, 'addr', 'show');
        if (links.some((l) => l.addr_info.some((a) => a.tentative))) return false;
      }
      return true;
    },
    10_000,
    'IPv6 DAD to finish',
  );
}

/** `ip monitor link address route` in both namespaces while `fn` runs: every event line printed. */
async function monitored(fn: () => Promise<void>): Promise<string[]> {
  await settled();
  const mons: ResultPromise[] = [HOST, ROUTER].map((ns) =>
    execa('ip', ['-n', ns, 'monitor', 'link', 'address', 'route'], { reject: false, buffer: true }),
  );
  await new Promise((r) => setTimeout(r, 300));
  await fn();
  await new Promise((r) => setTimeout(r, 300));
  for (const m of mons) m.kill('SIGTERM');
  const outs = await Promise.all(mons);
  return outs.flatMap((o) =>
    String(o.stdout)
      .split('\n')
      .filter((l) => l.trim() !== ''),
  );
}

const ours = async (ns: string): Promise<string[]> =>
  (await ipJson<Array<{ ifname: string; ifalias?: string }>>('-n', ns, 'link', 'show'))
    .filter((l) => l.ifalias === 'evpn-node')
    .map((l) => l.ifname)
    .sort();

async function record(name: string, ns: string): Promise<void> {
  if (!RECORD) return;
  await mkdir(FIXTURES, { recursive: true });
  const r = await execa('ip', ['-n', ns, ...OBSERVE_ARGS], { input: OBSERVE_BATCH });
  await writeFile(new URL(`${name}.json`, FIXTURES), r.stdout);
  const r6 = await execa('ip', ['-n', ns, '-6', '-N', '-j', 'rule', 'show']);
  await writeFile(new URL(`${name}.rules6.json`, FIXTURES), r6.stdout);
}

beforeAll(async () => {
  for (const ns of [HOST, ROUTER, PEER]) await netnsAdd(ns);
  await ip('-n', HOST, 'link', 'add', 'kp-eth1', 'type', 'veth', 'peer', 'name', 'kp-p1', 'netns', PEER);
  await ip('-n', PEER, 'addr', 'add', '192.168.50.1/24', 'dev', 'kp-p1');
  await ip('-n', PEER, 'link', 'set', 'kp-p1', 'up');
  await ip('-n', HOST, 'addr', 'add', '192.168.50.2/24', 'dev', 'kp-eth1');
  await ip('-n', HOST, 'link', 'set', 'kp-eth1', 'up');
  await ip('-n', HOST, 'route', 'add', '10.99.0.0/16', 'via', '192.168.50.1', 'metric', '50');
  await record('host-before', HOST);
});

afterAll(async () => {
  for (const ns of [HOST, ROUTER, PEER]) await netnsDel(ns);
});

describe('kernel plan + apply on real namespaces (L2VNIs)', () => {
  const desired = desiredFor(cfg([110, 120]));

  test('first apply creates everything; one ip -batch per netns per phase; then the plan is empty', async () => {
    const runner = countingRunner();
    const plan = planKernel(desired, await observeNow(desired, runner), { routerNetns: ROUTER, hostNetns: HOST });
    expect(plan.conflicts).toEqual([]);
    runner.calls.length = 0;
    await applyAll(plan, runner);
    const batches = runner.calls.filter((c) => c[0] === 'ip' && c.includes('-batch'));
    expect(batches.map((c) => `${c[1]}`)).toEqual([HOST, ROUTER, ROUTER, HOST]);
    expect(await ours(ROUTER)).toEqual(['br-pe-110', 'br-pe-120', 'pe-110', 'pe-120', 'vni110', 'vni120']);
    expect(await ours(HOST)).toEqual(['br-hs-110', 'br-hs-120', 'host-110', 'host-120']);
    const again = await planNow(desired);
    expect(again.ops.map((o) => o.why)).toEqual([]);
    await record('host-l2', HOST);
    await record('router-l2', ROUTER);
  });

  test('the underlay NIC kept its address and static route in the router netns', async () => {
    const addrs = await ipJson<any[]>('-n', ROUTER, 'addr', 'show', 'kp-eth1');
    expect(addrs[0].addr_info.some((a: any) => a.local === '192.168.50.2' && a.prefixlen === 24)).toBe(true);
    expect(addrs[0].flags).toContain('UP');
    const routes = await ipJson<any[]>('-n', ROUTER, 'route', 'show', '10.99.0.0/16');
    expect(routes).toMatchObject([{ dst: '10.99.0.0/16', gateway: '192.168.50.1', dev: 'kp-eth1', metric: 50 }]);
    const vx = (await ipJson<any[]>('-n', ROUTER, '-d', 'link', 'show', 'vni110'))[0];
    expect(vx.linkinfo.info_data).toMatchObject({ id: 110, local: '100.65.0.4', port: 4789, learning: false });
    expect(vx.linkinfo.info_slave_data).toMatchObject({ neigh_suppress: true, learning: false });
    expect(vx.master).toBe('br-pe-110');
    expect(vx.mtu).toBe(8950);
    const lo = (await ipJson<any[]>('-n', ROUTER, 'addr', 'show', 'lo'))[0];
    expect(lo.addr_info).toContainEqual(
      expect.objectContaining({ local: '100.65.0.4', prefixlen: 32, label: 'lo:evpn' }),
    );
    expect((await execa('ip', ['netns', 'exec', ROUTER, 'cat', '/proc/sys/net/ipv4/ip_forward'])).stdout.trim()).toBe(
      '1',
    );
  });

  test('a second plan+apply with nothing changed writes nothing: zero ip monitor events', async () => {
    const events = await monitored(async () => {
      const plan = await planNow(desired);
      expect(plan.ops).toEqual([]);
      await applyAll(plan);
    });
    expect(events).toEqual([]);
  });

  test('no IPv6 link-local on pure bridge ports and on bridges that do not route; up, and IPv4 on the host bridge works', async () => {
    const inet6 = async (ns: string, dev: string): Promise<string[]> =>
      ((await ipJson<any[]>('-n', ns, '-6', 'addr', 'show', 'dev', dev))[0]?.addr_info ?? []).map(
        (a: any) => a.local as string,
      );
    // VNI 110: pure L2 (no VRF, no gateway IP), its host bridge holds an IPv4 host address.
    for (const [ns, dev] of [
      [ROUTER, 'vni110'],
      [ROUTER, 'pe-110'],
      [HOST, 'host-110'],
      [ROUTER, 'br-pe-110'],
      [HOST, 'br-hs-110'],
    ] as const) {
      const link = (await ipJson<any[]>('-n', ns, '-d', 'link', 'show', dev))[0];
      expect(link.inet6_addr_gen_mode, `${dev} addrgenmode`).toBe('none');
      expect(link.flags, `${dev} up`).toContain('UP');
      expect(await inet6(ns, dev), `${dev} IPv6 addresses`).toEqual([]);
    }
    const v4 = (await ipJson<any[]>('-n', HOST, '-4', 'addr', 'show', 'dev', 'br-hs-110'))[0]?.addr_info ?? [];
    expect(v4.map((a: any) => `${a.local}/${a.prefixlen}`)).toEqual(['192.170.10.20/24']);
  });

  test('a bridge port that got a link-local address (older evpn-node) loses it in place, without going down', async () => {
    await ip('-n', ROUTER, 'link', 'set', 'pe-110', 'addrgenmode', 'eui64');
    await ip('-n', ROUTER, 'link', 'set', 'pe-110', 'down');
    await ip('-n', ROUTER, 'link', 'set', 'pe-110', 'up');
    const linkLocal = async (): Promise<string | undefined> =>
      ((await ipJson<any[]>('-n', ROUTER, '-6', 'addr', 'show', 'dev', 'pe-110', 'scope', 'link'))[0]?.addr_info ??
        [])[0]?.local;
    await waitFor(async () => (await linkLocal()) !== undefined, 5000, 'pe-110 to get a link-local address');
    const ll = await linkLocal();
    const plan = await planNow(desired);
    expect(plan.ops.map((o) => (o.kind === 'ip' ? `${o.ns} ${o.phase} ${o.args.join(' ')}` : ''))).toEqual([
      'router pre link set dev pe-110 addrgenmode none',
      `router pre addr del ${ll}/64 dev pe-110`,
    ]);
    const events = await monitored(() => applyAll(plan));
    // Link messages for pe-110 (the mode change is one) must all show it up: no flap.
    for (const line of events.filter((e) => /^\d+: pe-110[@:]/.test(e))) expect(line).toMatch(/state UP/);
    expect(await linkLocal()).toBeUndefined();
    expect((await ipJson<any[]>('-n', ROUTER, 'link', 'show', 'pe-110'))[0].flags).toContain('UP');
    expect((await planNow(desired)).ops).toEqual([]);
  });

  test('a VXLAN deleted by hand is recreated, and only it', async () => {
    await ip('-n', ROUTER, 'link', 'del', 'vni120');
    const plan = await planNow(desired);
    expect(plan.ops.every((o) => o.kind === 'ip' && o.args.includes('vni120'))).toBe(true);
    expect(plan.ops.map((o) => (o.kind === 'ip' ? o.args.join(' ') : ''))).toEqual([
      'link add name vni120 mtu 8950 master br-pe-120 type vxlan id 120 local 100.65.0.4 dstport 4789 nolearning',
      'link set dev vni120 alias evpn-node addrgenmode none',
      'link set dev vni120 type bridge_slave neigh_suppress on learning off',
      'link set dev vni120 up',
    ]);
    await applyAll(plan);
    expect((await planNow(desired)).ops).toEqual([]);
  });

  test('an MTU changed by hand is one link set', async () => {
    await ip('-n', ROUTER, 'link', 'set', 'pe-110', 'mtu', '1400');
    const plan = await planNow(desired);
    expect(plan.ops.map((o) => (o.kind === 'ip' ? o.args.join(' ') : ''))).toEqual(['link set dev pe-110 mtu 8950']);
    await applyAll(plan);
    expect((await planNow(desired)).ops).toEqual([]);
  });

  test('a foreign br-pe-999 is a conflict and is never touched', async () => {
    await ip('-n', ROUTER, 'link', 'add', 'br-pe-999', 'type', 'bridge');
    const withForeign = desiredFor(cfg([110, 120, 999]));
    const plan = await planNow(withForeign);
    expect(plan.conflicts.join('\n')).toMatch(/br-pe-999 in the router netns exists but was not created by evpn-node/);
    // vni999 would be enslaved to it and pe-999 too, so the pair goes as well; br-hs-999 does not depend on it.
    const touching = plan.ops.filter(
      (o) => o.kind === 'ip' && o.args.some((a) => ['br-pe-999', 'vni999', 'pe-999', 'host-999'].includes(a)),
    );
    expect(touching).toEqual([]);
    expect(plan.ops.map((o) => (o.kind === 'ip' ? o.args.join(' ') : ''))).toEqual([
      'link add name br-hs-999 type bridge',
      'link set dev br-hs-999 alias evpn-node addrgenmode none',
      'link set dev br-hs-999 up',
    ]);
    await applyAll(plan);
    const br = (await ipJson<any[]>('-n', ROUTER, 'link', 'show', 'br-pe-999'))[0];
    expect(br.ifalias).toBeUndefined();
    expect(br.flags).not.toContain('UP');
    await ip('-n', ROUTER, 'link', 'del', 'br-pe-999');
    // Back to 110+120: br-hs-999 is ours and no longer configured.
    const back = await planNow(desired);
    expect(back.ops.map((o) => (o.kind === 'ip' ? `${o.ns} ${o.phase} ${o.args.join(' ')}` : ''))).toEqual([
      'host post link del dev br-hs-999',
    ]);
    await applyAll(back);
  });

  test('removing a VNI deletes its links and leaves the others without an event', async () => {
    const only110 = desiredFor(cfg([110]));
    const plan = await planNow(only110);
    expect(plan.ops.map((o) => (o.kind === 'ip' ? `${o.ns} ${o.phase} ${o.args.join(' ')}` : ''))).toEqual([
      'router post link del dev vni120',
      'router post link del dev br-pe-120',
      'host post link del dev host-120',
      'host post link del dev br-hs-120',
    ]);
    const events = await monitored(() => applyAll(plan));
    expect(events.length).toBeGreaterThan(0);
    expect(events.some((e) => e.includes('vni120'))).toBe(true);
    expect(events.filter((e) => /110\b/.test(e))).toEqual([]);
    expect(await ours(ROUTER)).toEqual(['br-pe-110', 'pe-110', 'vni110']);
    expect(await ours(HOST)).toEqual(['br-hs-110', 'host-110']);
    expect((await planNow(only110)).ops).toEqual([]);
  });

  test("a failing batch line becomes an error quoting the op's why and ip's message", async () => {
    const plan: KernelPlan = {
      conflicts: [],
      ops: [
        { kind: 'ip', ns: 'router', phase: 'post', args: ['link', 'set', 'dev', 'lo', 'up'], why: 'harmless' },
        {
          kind: 'ip',
          ns: 'router',
          phase: 'post',
          args: ['link', 'set', 'dev', 'kp-nosuch', 'up'],
          why: 'bring up kp-nosuch',
        },
      ],
    };
    await expect(applyPlan(processRunner(), plan, 'post', refs)).rejects.toThrow(
      /failed at "ip link set dev kp-nosuch up" \(bring up kp-nosuch\): Cannot find device "kp-nosuch"/,
    );
  });

  test('teardown removes our links and gives kp-eth1 back with its address and route', async () => {
    const observed = await observeBoth({ routerNetns: ROUTER, hostNetns: HOST, desired: desiredFor(cfg([110])) });
    const plan = planTeardown(observed, { underlayNics: ['kp-eth1'], routerNetns: ROUTER, hostTarget: { name: HOST } });
    await applyAll(plan);
    expect(await ours(ROUTER)).toEqual([]);
    expect(await ours(HOST)).toEqual([]);
    const eth = (await ipJson<any[]>('-n', HOST, 'addr', 'show', 'kp-eth1'))[0];
    expect(eth.flags).toContain('UP');
    expect(eth.addr_info).toContainEqual(
      expect.objectContaining({ family: 'inet', local: '192.168.50.2', prefixlen: 24 }),
    );
    expect(await ipJson<any[]>('-n', HOST, 'route', 'show', '10.99.0.0/16')).toMatchObject([
      { gateway: '192.168.50.1', dev: 'kp-eth1', metric: 50 },
    ]);
    const lo = (await ipJson<any[]>('-n', ROUTER, 'addr', 'show', 'lo'))[0];
    expect(lo.addr_info.filter((a: any) => a.label === 'lo:evpn')).toEqual([]);
    await execa('ip', ['netns', 'exec', HOST, 'ping', '-c1', '-W2', '192.168.50.1']);
  });
});

describe('features this kernel may lack', () => {
  test('L3VNI (VRF) plan applies and converges', async (ctx) => {
    if (!(await kernelSupports('vrf'))) {
      console.warn(
        'SKIP: this kernel cannot create VRF devices ("Unknown device type"): L3VNI apply is covered by the lab VM tier',
      );
      ctx.skip();
    }
    const desired = desiredFor(
      nodeConfig({
        l3vnis: [
          l3vni('red', 100, { hostSession: { asn: 64514, hostASN: 64515, localCIDR: { ipv4: '192.169.10.0/24' } } }),
        ],
        underlay: { nics: [{ name: 'kp-eth1' }] },
      }),
    );
    const observed = await observeNow(desired);
    await applyAll(planKernel(desired, observed, { routerNetns: ROUTER, hostNetns: HOST }));
    expect((await planNow(desired)).ops).toEqual([]);
  });

  test('VLAN underlay is created and moved', async (ctx) => {
    if (!(await kernelSupports('vlan'))) {
      console.warn(
        'SKIP: this kernel cannot create VLAN devices ("Unknown device type"): the VLAN underlay is covered by unit plans and the lab VM tier',
      );
      ctx.skip();
    }
    const desired = desiredFor(
      nodeConfig({ underlay: { nics: [{ name: 'kp-v100', vlan: { parent: 'kp-eth1', id: 100 } }] } }),
    );
    await applyAll(await planNow(desired));
    expect((await planNow(desired)).ops).toEqual([]);
  });
});

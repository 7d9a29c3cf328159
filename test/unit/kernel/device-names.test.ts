// Every `ip` line the planner emits names a device right after `name`, `dev`, `link` or `master`
// (`peer name` too), never bare: ip reads a bare argument as a keyword when it is one. The user
// picks some names (VRFs, host bridges, NICs); validation refuses keywords among them, and this
// test gives the planner such names anyway (it does not validate) to show that no line depends
// on that: creation, change, stale deletion and teardown.
import { expect, test } from 'vitest';
import { planKernel, type KernelPlan } from '../../../src/kernel/plan.js';
import { planTeardown, TEARDOWN_GROUP } from '../../../src/kernel/teardown.js';
import { emptyNs, type ObservedNs } from '../../../src/kernel/observed.js';
import { ipKeywordClash } from '../../../src/model/names.js';
import { desiredFor, l2vni as l2, l3vni as l3, nodeConfig } from '../../helpers/config.js';
import { fixture, FORWARDING } from './fixtures.js';

/** User-chosen names that are ip keywords or abbreviations of them, and no keyword our lines use. */
const HOSTILE = { vrf: 'down', vrf2: 'he', bridge110: 'help', bridge120: 'n', nic: 'promisc' };
const BEFORE_A_NAME = new Set(['name', 'dev', 'link', 'master']);
const OPTS = { routerNetns: 'kp-router', hostNetns: 'kp-host' };

function rename(ns: ObservedNs, names: Record<string, string>): ObservedNs {
  let text = JSON.stringify(ns);
  for (const [from, to] of Object.entries(names)) text = text.replaceAll(`"${from}"`, `"${to}"`);
  return JSON.parse(text) as ObservedNs;
}

function routerWithLo(): ObservedNs {
  const ns = emptyNs();
  ns.links.push({ name: 'lo', ifindex: 1, mtu: 65536, up: true, addrs: [] });
  return ns;
}

/** Each use of a hostile name in an ip line, with the word before it. */
function bareUses(plan: KernelPlan): string[] {
  const names = new Set(Object.values(HOSTILE));
  const bad: string[] = [];
  for (const op of plan.ops) {
    if (op.kind !== 'ip') continue;
    op.args.forEach((a, i) => {
      if (names.has(a) && !BEFORE_A_NAME.has(op.args[i - 1] ?? '')) bad.push(op.args.join(' '));
    });
  }
  return bad;
}

const renamed = { 'br-hs-110': HOSTILE.bridge110, 'br-hs-120': HOSTILE.bridge120, 'kp-eth1': HOSTILE.nic };
const applied = () => ({
  host: rename(fixture('host-l2'), renamed),
  router: rename(fixture('router-l2', FORWARDING), renamed),
});

test('the hostile names are what validation refuses', () => {
  for (const n of Object.values(HOSTILE)) expect(ipKeywordClash(n), n).toBeDefined();
});

test('creation: VRFs, bridges in VRFs, host bridges, veths, the NIC move', () => {
  const c = nodeConfig({
    l3vnis: [
      l3(HOSTILE.vrf, 100, { hostSession: { asn: 64514, hostASN: 65000, localCIDR: { ipv4: '192.169.10.0/24' } } }),
      l3(HOSTILE.vrf2, 200),
    ],
    l2vnis: [
      l2(110, {
        l3vni: HOSTILE.vrf,
        gatewayIPs: ['192.170.10.1/24'],
        hostMaster: { name: HOSTILE.bridge110, managed: true },
        hostAddress: '192.170.10.20/24',
      }),
      l2(120, { hostMaster: { name: HOSTILE.bridge120, managed: true } }),
    ],
    underlay: { nics: [{ name: HOSTILE.nic }], mtu: 9000 },
  });
  const host = rename(fixture('host-before'), { 'kp-eth1': HOSTILE.nic });
  const plan = planKernel(desiredFor(c), { host, router: routerWithLo() }, OPTS);
  expect(plan.ops.length).toBeGreaterThan(30);
  expect(
    plan.ops.some((o) => o.kind === 'ip' && o.args.join(' ') === `link add name ${HOSTILE.vrf} type vrf table 1100`),
  ).toBe(true);
  expect(bareUses(plan)).toEqual([]);
});

test('changes and stale deletions: a host bridge that moves to another VNI, one no longer wanted', () => {
  const c = nodeConfig({
    l2vnis: [l2(110, { hostMaster: { name: HOSTILE.bridge120, managed: true } })],
    underlay: { nics: [{ name: HOSTILE.nic }], mtu: 9000 },
  });
  const plan = planKernel(desiredFor(c), applied(), OPTS);
  expect(plan.ops.some((o) => o.kind === 'ip' && o.args.join(' ') === `link del dev ${HOSTILE.bridge110}`)).toBe(true);
  expect(bareUses(plan)).toEqual([]);
});

test('teardown, by group and one by one', () => {
  const teardown = (s: ReturnType<typeof applied>) =>
    planTeardown(s, { underlayNics: [HOSTILE.nic], routerNetns: 'kp-router', hostTarget: { pid: 4242 } });
  expect(bareUses(teardown(applied()))).toEqual([]);
  // A foreign link in our device group: our links are deleted one by one, by name.
  const s = applied();
  s.host.links.push({ name: 'foreign0', ifindex: 99, mtu: 1500, up: true, group: TEARDOWN_GROUP, addrs: [] });
  const plan = teardown(s);
  expect(plan.ops.some((o) => o.kind === 'ip' && o.args.join(' ') === `link del dev ${HOSTILE.bridge110}`)).toBe(true);
  expect(bareUses(plan)).toEqual([]);
});

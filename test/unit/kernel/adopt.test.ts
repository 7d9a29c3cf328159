// A link created by a run killed before its ownership mark (the next batch line): without the
// creating journal it is foreign for good; with it, the next plan marks it ours and goes on, and
// a teardown deletes it.
import { describe, expect, test } from 'vitest';
import { planKernel } from '../../../src/kernel/plan.js';
import { planTeardown } from '../../../src/kernel/teardown.js';
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

/** The applied state, but br-hs-110 as a kill right after its `link add` leaves it: unmarked. */
function killedBeforeMark() {
  const host = fixture('host-l2');
  const br = host.links.find((l) => l.name === 'br-hs-110')!;
  delete br.alias;
  return { host, router: fixture('router-l2', FORWARDING) };
}

describe('links a killed run created but did not mark', () => {
  test('unjournalled: a conflict, left alone', () => {
    const plan = planKernel(desired(), killedBeforeMark(), OPTS);
    expect(plan.conflicts[0]).toMatch(/^br-hs-110 in the host netns exists but was not created by evpn-node/);
  });

  test('journalled: marked ours first thing, and nothing else to do', () => {
    const plan = planKernel(desired(), killedBeforeMark(), { ...OPTS, adopt: new Set(['host:br-hs-110']) });
    expect(plan.conflicts).toEqual([]);
    expect(plan.ops.map(argsOf)).toEqual(['host pre link set dev br-hs-110 alias evpn-node']);
    // A journalled name that is marked already, or absent, costs nothing.
    expect(
      planKernel(
        desired(),
        { host: fixture('host-l2'), router: fixture('router-l2', FORWARDING) },
        { ...OPTS, adopt: new Set(['host:br-hs-110', 'router:nope']) },
      ).ops,
    ).toEqual([]);
  });

  test('a plan that creates links says which (converge journals them before the batch)', () => {
    const fresh = { host: fixture('host-l2'), router: fixture('router-l2', FORWARDING) };
    fresh.host.links = fresh.host.links.filter((l) => l.name !== 'br-hs-110');
    expect(planKernel(desired(), fresh, OPTS).created).toEqual(['host:br-hs-110']);
    expect(
      planKernel(desired(), { host: fixture('host-l2'), router: fixture('router-l2', FORWARDING) }, OPTS).created,
    ).toBeUndefined();
  });

  test('teardown deletes a journalled unmarked link like any of ours', () => {
    const { host, router } = killedBeforeMark();
    const opts = { underlayNics: ['kp-eth1'], routerNetns: 'kp-router', hostTarget: { pid: 4242 } };
    const without = planTeardown({ host, router }, opts).ops.map(argsOf);
    expect(without.some((o) => /br-hs-110/.test(o))).toBe(false);
    const withJournal = planTeardown({ host, router }, { ...opts, adopt: new Set(['host:br-hs-110']) }).ops.map(argsOf);
    expect(withJournal).toContain('host pre link set dev br-hs-110 group 1702260846');
  });
});

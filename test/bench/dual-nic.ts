// IO: the dual-NIC row. The same N on a node with two underlay NICs (eth1 and eth2: two cables
// to the leaf, two BGP sessions, so ECMP is on: multipath-relax, the own-routes filter, the L4
// multipath hash): converge from scratch, then no-op converges once FRR is quiet, then the reset
// gives both NICs back. The second cable is added once, before any measurement, so every
// variant starts from the same baseline (eth2 idle in the node netns when not in use).

import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import type { Logger } from '../../src/log.js';
import { loadInputs } from '../../src/reconcile/inputs.js';
import { converge } from '../../src/reconcile/converge.js';
import { benchConfigYaml, type FabricRuntime } from './config-gen.js';
import { resetNode } from './reset.js';
import { frrQuiet } from './frr-quiet.js';
import { Samples } from './stats.js';

/** The second cable node <-> leaf and the leaf's session on it (host netns side, after `fabric up`). */
export async function addSecondCable(prefix: string): Promise<void> {
  const leaf = `${prefix}-leaf`;
  const node = `${prefix}-node`;
  await execa('ip', ['link', 'add', 'swp3', 'netns', leaf, 'type', 'veth', 'peer', 'name', 'eth2', 'netns', node]);
  await execa('ip', ['-n', node, 'addr', 'add', '192.168.12.3/24', 'dev', 'eth2']);
  await execa('ip', ['-n', leaf, 'addr', 'add', '192.168.12.2/24', 'dev', 'swp3']);
  for (const [ns, dev] of [
    [node, 'eth2'],
    [leaf, 'swp3'],
  ] as const)
    await execa('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  const cmds = [
    'configure terminal',
    'router bgp 64512',
    'neighbor 192.168.12.3 remote-as 64514',
    'address-family ipv4 unicast',
    'neighbor 192.168.12.3 activate',
    'exit-address-family',
    'address-family l2vpn evpn',
    'neighbor 192.168.12.3 activate',
  ];
  await execa('vtysh', ['-N', leaf, ...cmds.flatMap((c) => ['-c', c])]);
}

/** The bench config with both NICs and a session on each. */
export function dualNicYaml(n: number, rt: FabricRuntime): string {
  return benchConfigYaml(n, rt)
    .replace('  nic: eth1\n', '  nics: [eth1, eth2]\n')
    .replace(
      '    - address: 192.168.11.2\n      asn: 64512\n',
      '    - address: 192.168.11.2\n      asn: 64512\n    - address: 192.168.12.2\n      asn: 64512\n',
    );
}

export interface DualNicResult {
  n: number;
  runs: number;
  medians: Record<string, number>;
  checks: string[];
}

export async function runDualNic(o: {
  n: number;
  runs: number;
  fabric: FabricRuntime;
  workDir: string;
  log: Logger;
  say: (t: string) => void;
}): Promise<DualNicResult> {
  const path = `${o.workDir}/config-${o.n}-dual.yaml`;
  await writeFile(path, dualNicYaml(o.n, o.fabric));
  const inputs = await loadInputs(path);
  const s = new Samples();
  const checks: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new Error(`bench check failed (dual NIC, N=${o.n}): ${what}`);
    if (!checks.includes(what)) checks.push(what);
  };
  const reset = (): Promise<void> =>
    resetNode(inputs.config.runtime, ['eth1', 'eth2'], { log: o.log, routerNetns: o.fabric.netns });
  await reset();
  for (let run = 0; run < o.runs; run++) {
    await frrQuiet(o.fabric.pidFile);
    const a = await converge(inputs, { log: o.log });
    check(a.ok && a.reloaded, 'dual NIC: converge from scratch ok, FRR reloaded');
    const inRouter = JSON.parse((await execa('ip', ['-n', o.fabric.netns, '-j', 'link', 'show'])).stdout).map(
      (l: { ifname: string }) => l.ifname,
    );
    check(inRouter.includes('eth1') && inRouter.includes('eth2'), 'dual NIC: both NICs in the router netns');
    s.add('dualApplyMs', a.durationMs);
    s.add('dualApplyOps', a.kernelOps);
    await frrQuiet(o.fabric.pidFile);
    for (let i = 0; i < 5; i++) {
      const r = await converge(inputs, { log: o.log });
      check(r.kernelOps === 0 && !r.reloaded, 'dual NIC: no-op converge writes nothing, no FRR reload');
      s.add('dualNoopMs', r.durationMs);
      s.add('dualNoopObserveMs', r.timings.observeMs);
    }
    await reset();
    o.say(
      `  dual NIC, N=${o.n} run ${run + 1}/${o.runs}: converge ${a.durationMs} ms (${a.kernelOps} ops), no-op ${(s.data.dualNoopMs ?? []).slice(-5).join('/')} ms`,
    );
  }
  return { n: o.n, runs: o.runs, medians: s.medians(), checks };
}

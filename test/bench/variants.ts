// The two reference variants of a from-scratch apply, built from the ops evpn-node planned, so
// all three write exactly the same kernel objects:
// - seed: a shell script with one `ip` (or `sysctl`) process per op, as the lab scripts in the
//   EVPN blog posts plumb a node (`bash script.sh`);
// - limit: one `ip -batch` process per namespace (plus `ip -6 -batch` for IPv6 rules, plus one
//   `sysctl -w` per namespace), the fewest processes the same ops can take.

import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import type { NsId } from '../../src/model/desired.js';
import type { KernelPlan } from '../../src/kernel/plan.js';
import { describeOp, type IpOp, type SysctlOp } from '../../src/kernel/ops.js';
import { batchesFor, renderBatch } from '../../src/kernel/batch.js';
import { BATCH_ORDER } from '../../src/kernel/plan-context.js';

/** `bash -e` script text: the plan's ops in evpn-node's execution order, one process each. */
export function seedScript(plan: KernelPlan, routerNetns: string): string {
  const nsName = (ns: NsId): string | undefined => (ns === 'router' ? routerNetns : undefined);
  return [
    '#!/bin/bash',
    '# One ip process per command, as the lab scripts do.',
    'set -e',
    ...plan.ops.map((o) => describeOp(o, nsName)),
    '',
  ].join('\n');
}

export async function runSeed(
  plan: KernelPlan,
  routerNetns: string,
  scriptPath: string,
): Promise<{ ms: number; processes: number }> {
  await writeFile(scriptPath, seedScript(plan, routerNetns), { mode: 0o755 });
  const t = performance.now();
  const r = await execa('bash', [scriptPath], { reject: false });
  const ms = performance.now() - t;
  if (r.exitCode !== 0) throw new Error(`seed script failed (${scriptPath}): ${r.stderr.trim()}`);
  return { ms, processes: plan.ops.length };
}

/**
 * One process per namespace: every op of that namespace, 'pre' then 'post'. Host first (it
 * creates the veth pairs whose router ends the router batch configures).
 */
export function limitBatches(plan: KernelPlan): Array<{ ns: NsId; flags: string[]; text: string; ops: number }> {
  const out: Array<{ ns: NsId; flags: string[]; text: string; ops: number }> = [];
  for (const ns of ['host', 'router'] as const) {
    const phases = BATCH_ORDER.filter(([, n]) => n === ns).map(([p]) => p);
    for (const flags of [[], ['-6']]) {
      const ops: IpOp[] = phases
        .flatMap((p) => batchesFor(plan.ops, p, ns))
        .filter((b) => b.flags.join() === flags.join())
        .flatMap((b) => b.ops);
      if (ops.length) out.push({ ns, flags, text: renderBatch(ops), ops: ops.length });
    }
  }
  return out;
}

export async function runLimit(plan: KernelPlan, routerNetns: string): Promise<{ ms: number; processes: number }> {
  const batches = limitBatches(plan);
  const sysctls = (ns: NsId): SysctlOp[] => plan.ops.filter((o): o is SysctlOp => o.kind === 'sysctl' && o.ns === ns);
  const t = performance.now();
  let processes = 0;
  for (const ns of ['host', 'router'] as const) {
    for (const b of batches.filter((x) => x.ns === ns)) {
      const r = await execa('ip', [...(ns === 'router' ? ['-n', routerNetns] : []), ...b.flags, '-batch', '-'], {
        input: b.text,
        reject: false,
      });
      if (r.exitCode !== 0) throw new Error(`limit batch (${ns}) failed: ${r.stderr.trim()}`);
      processes++;
    }
    const s = sysctls(ns).map((o) => `${o.key}=${o.value}`);
    if (s.length) {
      const r =
        ns === 'router'
          ? await execa('ip', ['netns', 'exec', routerNetns, 'sysctl', '-qw', ...s], { reject: false })
          : await execa('sysctl', ['-qw', ...s], { reject: false });
      if (r.exitCode !== 0) throw new Error(`limit sysctl (${ns}) failed: ${r.stderr.trim()}`);
      processes++;
    }
  }
  return { ms: performance.now() - t, processes };
}

// `plan` output: the exact `ip` commands per phase and namespace (copy-pasteable, each with the
// reason), then a unified diff of frr.conf. Pure: the caller gathers the inputs.

import { createTwoFilesPatch } from 'diff';
import type { KernelPlan } from '../kernel/plan.js';
import { describeOp } from '../kernel/ops.js';
import { BATCH_ORDER } from '../kernel/plan-context.js';
import type { NsId } from '../model/desired.js';
import { redactFrrText } from '../frr/redact.js';

export interface PlanReportInput {
  plan: KernelPlan;
  routerNetns: string;
  /** frr.conf as it is on disk now (undefined: none yet). */
  currentFrrConf: string | undefined;
  renderedFrrConf: string;
  renderedFrrConfRedacted: string;
  frrConfPath: string;
}

export interface PlanSummary {
  kernelOps: number;
  frrChanged: boolean;
  conflicts: number;
}

export function summarizePlan(i: PlanReportInput): PlanSummary {
  return {
    kernelOps: i.plan.ops.length,
    frrChanged: i.currentFrrConf !== i.renderedFrrConf,
    conflicts: i.plan.conflicts.length,
  };
}

export function formatPlan(i: PlanReportInput): string {
  const nsName = (ns: NsId): string | undefined => (ns === 'router' ? i.routerNetns : undefined);
  const out: string[] = [];
  for (const [phase, ns] of BATCH_ORDER) {
    const ops = i.plan.ops.filter((o) => o.phase === phase && o.ns === ns);
    if (!ops.length) continue;
    const where = ns === 'router' ? `router netns ${i.routerNetns}` : 'host netns';
    out.push(`${where}, ${phase === 'pre' ? 'before' : 'after'} the FRR reload:`);
    for (const op of ops) out.push(`  ${describeOp(op, nsName)}`, `      # ${op.why}`);
    out.push('');
  }
  if (i.plan.conflicts.length) {
    out.push('conflicts (left untouched):');
    for (const c of i.plan.conflicts) out.push(`  ! ${c}`);
    out.push('');
  }
  const s = summarizePlan(i);
  if (s.frrChanged) {
    const before = redactFrrText(i.currentFrrConf ?? '');
    const after = i.renderedFrrConfRedacted;
    if (before === after) out.push(`${i.frrConfPath}: only secrets change`, '');
    else
      out.push(
        createTwoFilesPatch(
          `${i.frrConfPath} (current)`,
          `${i.frrConfPath} (rendered)`,
          before,
          after,
          undefined,
          undefined,
          { context: 3 },
        ).trimEnd(),
        '',
      );
  }
  out.push(
    s.kernelOps === 0 && !s.frrChanged
      ? 'No changes: the kernel and FRR match the config.'
      : `Plan: ${s.kernelOps} kernel change(s); frr.conf ${s.frrChanged ? 'changes (FRR will be reloaded)' : 'unchanged (no reload)'}.`,
  );
  if (s.conflicts) out.push(`${s.conflicts} conflict(s): objects evpn-node does not own stand in the way.`);
  return out.join('\n');
}

// `evpn-node plan`: what apply would do, read from both namespaces; writes nothing.
import { loadInputs } from '../../reconcile/inputs.js';
import { planNode } from '../../reconcile/converge.js';
import { readFrrConf, frrConfPath } from '../../reconcile/frr-files.js';
import { formatPlan, summarizePlan, type PlanReportInput } from '../../reconcile/plan-report.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../errors.js';

export async function runPlan(ctx: CliContext, opts: { detailedExitcode: boolean }): Promise<number> {
  const inputs = await loadInputs(ctx.configPath);
  for (const w of inputs.warnings) ctx.log.warn({ file: w.file, line: w.line, path: w.path }, w.message);
  const { netns, plan } = await planNode(inputs);
  const rt = inputs.config.runtime;
  const report: PlanReportInput = {
    plan,
    routerNetns: netns.name,
    currentFrrConf: await readFrrConf(rt.frrConfigDir),
    renderedFrrConf: inputs.frrConf,
    renderedFrrConfRedacted: inputs.frrConfRedacted,
    frrConfPath: frrConfPath(rt.frrConfigDir),
  };
  const s = summarizePlan(report);
  if (ctx.json) {
    ctx.out(JSON.stringify({ routerNetns: netns.name, ...s, ops: plan.ops, conflicts: plan.conflicts }, null, 2));
  } else {
    ctx.out(formatPlan(report));
  }
  const changes = s.kernelOps > 0 || s.frrChanged;
  return opts.detailedExitcode && changes ? EXIT.changes : EXIT.ok;
}

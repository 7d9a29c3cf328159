// IO: run a plan's ops for one phase: one `ip -batch -` process per namespace (plus one
// `ip -6 -batch -` when IPv6 rules change), then that namespace's sysctls.
//
// Order: 'pre' runs host then router (veth pairs are created from the host side, their router
// ends are configured by the router batch); 'post' runs router then host (router links come up
// before the host legs that route through them, and a stale veth pair is deleted from its host
// end last). See BATCH_ORDER.

import type { NsId } from '../model/desired.js';
import { batchesFor, failedLine, renderBatch } from './batch.js';
import type { KernelPlan } from './plan-context.js';
import { BATCH_ORDER } from './plan-context.js';
import type { Phase, SysctlOp } from './ops.js';
import { processRunner, nsLabel, type NsRef, type Runner } from './runner.js';
import { sysctlPath } from './observe.js';
import { batchName, type CrashPoints } from '../model/crash-points.js';
import { OperationalError } from '../errors.js';

export interface NsRefs {
  host: NsRef;
  router: NsRef;
}

export class ApplyError extends OperationalError {
  override name = 'ApplyError';
  constructor(
    message: string,
    readonly ns: NsId,
    readonly why?: string,
    readonly stderr?: string,
  ) {
    super(message);
  }
}

/**
 * Runs every op of `phase`; throws ApplyError at the first failing line (ip -batch stops there).
 * Returns the number of ops run. `crash` (test seam) may cut a batch after its k-th line.
 */
export async function applyPlan(
  runner: Runner,
  plan: KernelPlan,
  phase: Phase,
  refs: NsRefs,
  crash?: CrashPoints,
): Promise<number> {
  let count = 0;
  for (const [p, ns] of BATCH_ORDER) {
    if (p !== phase) continue;
    for (const whole of batchesFor(plan.ops, phase, ns)) {
      const name = batchName(phase, ns, whole.flags);
      const cut = crash?.linesOf(name);
      const b = cut !== undefined && cut < whole.ops.length ? { ...whole, ops: whole.ops.slice(0, cut) } : whole;
      const r = b.ops.length
        ? await runner.ip(refs[ns], [...b.flags, '-batch', '-'], renderBatch(b.ops))
        : { exitCode: 0, stderr: '' };
      if (r.exitCode !== 0) {
        const line = failedLine(r.stderr);
        const op = line !== undefined ? b.ops[line - 1] : undefined;
        const err = r.stderr.trim().replace(/\n?Command failed -:\d+$/, '');
        throw new ApplyError(
          op
            ? `${phase} batch in ${nsLabel(refs[ns])} failed at "ip ${b.flags.concat(op.args).join(' ')}" (${op.why}): ${err}`
            : `${phase} batch in ${nsLabel(refs[ns])} failed: ${r.stderr.trim()}`,
          ns,
          op?.why,
          r.stderr,
        );
      }
      count += b.ops.length;
      if (b !== whole) crash?.after(name);
    }
    const sysctls = plan.ops.filter((o): o is SysctlOp => o.kind === 'sysctl' && o.phase === phase && o.ns === ns);
    if (sysctls.length) {
      for (const s of sysctls) sysctlPath(s.key);
      const r = await runner.exec(refs[ns], 'sysctl', ['-w', ...sysctls.map((s) => `${s.key}=${s.value}`)]);
      if (r.exitCode !== 0)
        throw new ApplyError(
          `sysctl in ${nsLabel(refs[ns])} failed: ${r.stderr.trim()}`,
          ns,
          sysctls.map((s) => s.why).join('; '),
          r.stderr,
        );
      count += sysctls.length;
    }
  }
  return count;
}

/** applyPlan with the default runner, for callers that address namespaces by name only. */
export function applyPhase(
  plan: KernelPlan,
  phase: Phase,
  opts: { routerNetns: string; hostNetns?: string; runner?: Runner; crash?: CrashPoints },
): Promise<number> {
  const refs: NsRefs = { host: opts.hostNetns ? { name: opts.hostNetns } : {}, router: { name: opts.routerNetns } };
  return applyPlan(opts.runner ?? processRunner(), plan, phase, refs, opts.crash);
}

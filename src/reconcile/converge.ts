// One reconcile: observe -> plan -> kernel (pre) -> frr.conf + reload -> kernel (post) -> verify.
//
// Order of operations, and why: new links are created admin-down before FRR is reloaded and
// brought up after it, and links we no longer want are deleted after it. That is
// das-schiff-network-operator's order: zebra learns each VNI -> VRF mapping from its config
// before the interfaces turn operational (so it advertises the right router MAC), bgpd never
// sees a VXLAN appear ahead of its config (OpenPERouter saw bgpd crash then, #604/#630), and
// FRR stops referring to a VRF before it disappears from the kernel. Proven against the real FRR
// in test/integration/converge.test.ts.

import type { Logger } from '../log.js';
import type { NodeInputs } from './inputs.js';
import { resolveRouterNetns, type RouterNetns } from '../netns/resolve.js';
import { observeBoth, type ObservedBoth } from '../kernel/observe.js';
import { planKernel, type KernelPlan } from '../kernel/plan.js';
import { applyPhase } from '../kernel/apply.js';
import { processRunner, type Runner } from '../kernel/runner.js';
import { ReloaderClient } from '../frr/reload-client.js';
import { redactFrrText, secretsIn } from '../frr/redact.js';
import { ensureFrrRunsL3Vnis } from './frr-l3vni.js';
import { rm } from 'node:fs/promises';
import { ensureFrrSupportFiles, frrConfPath, readFrrConf, writeFrrConf } from './frr-files.js';
import { saveLastGood, syncKubeletEnv, writeStatus, type ReconcileStatus } from './state-files.js';

export interface ConvergeDeps {
  log: Logger;
  /**
   * Record the config as last-good.yaml when it converged (default true). `try` passes false:
   * until the operator confirms, last-good must stay the config to roll back to.
   */
  saveLastGood?: boolean;
  /**
   * Reload FRR even when frr.conf is unchanged. The daemon sets it after FRR restarted in the
   * same netns: FRR loads frr.conf from disk by itself, but the push makes sure it runs what we
   * rendered (and proves the reloader works) instead of trusting a file it read at start.
   */
  forceFrrReload?: boolean;
  /** Runs every ip and sysctl process (default: processRunner(), each bounded in time). */
  runner?: Runner;
}

export interface PhaseTimings {
  observeMs: number;
  planMs: number;
  kernelMs: number;
  frrMs: number;
  verifyMs: number;
}

export interface ConvergeReport {
  ok: boolean;
  netns: RouterNetns;
  kernelOps: number;
  frrChanged: boolean;
  reloaded: boolean;
  conflicts: string[];
  durationMs: number;
  timings: PhaseTimings;
}

export class ConvergeError extends Error {
  override name = 'ConvergeError';
  constructor(message: string, readonly report?: Partial<ConvergeReport>) {
    super(message);
  }
}

const since = (t: number): number => Math.round(performance.now() - t);

/** The plan for the current kernel state: what `plan` prints and `apply` runs. */
export async function planNode(inputs: NodeInputs, opts: { runner?: Runner } = {}): Promise<{ netns: RouterNetns; observed: ObservedBoth; plan: KernelPlan }> {
  const rt = inputs.config.runtime;
  const netns = await resolveRouterNetns({ pidFile: rt.pidFile, preferredName: rt.netns });
  const observed = await observeBoth({ routerNetns: netns.name, desired: inputs.desired, ...opts });
  const plan = planKernel(inputs.desired, observed, { routerNetns: netns.name });
  return { netns, observed, plan };
}

/** Converge once; status.json records the outcome either way. */
export async function converge(inputs: NodeInputs, deps: ConvergeDeps): Promise<ConvergeReport> {
  const start = performance.now();
  try {
    return await convergeSteps(inputs, deps, start);
  } catch (e) {
    await writeStatus(inputs.config.runtime, {
      at: new Date().toISOString(),
      ok: false,
      durationMs: since(start),
      kernelOps: 0,
      frrReloaded: false,
      conflicts: [],
      error: (e as Error).message,
      configFiles: inputs.files,
    }).catch(() => undefined);
    throw e;
  }
}

async function convergeSteps(inputs: NodeInputs, deps: ConvergeDeps, start: number): Promise<ConvergeReport> {
  const { log } = deps;
  const rt = inputs.config.runtime;
  const timings: PhaseTimings = { observeMs: 0, planMs: 0, kernelMs: 0, frrMs: 0, verifyMs: 0 };

  let t = performance.now();
  const netns = await resolveRouterNetns({ pidFile: rt.pidFile, preferredName: rt.netns });
  const runner = deps.runner ?? processRunner();
  const observed = await observeBoth({ routerNetns: netns.name, desired: inputs.desired, runner });
  timings.observeMs = since(t);

  t = performance.now();
  const plan = planKernel(inputs.desired, observed, { routerNetns: netns.name });
  timings.planMs = since(t);
  for (const c of plan.conflicts) log.warn({ conflict: c }, 'not touching an object evpn-node does not own');

  t = performance.now();
  await applyPhase(plan, 'pre', { routerNetns: netns.name, runner });
  timings.kernelMs += since(t);

  t = performance.now();
  const frr = await pushFrrConf(inputs, log, deps.forceFrrReload === true);
  timings.frrMs = since(t);

  t = performance.now();
  await applyPhase(plan, 'post', { routerNetns: netns.name, runner });
  await syncKubeletEnv(rt, inputs.kubeletEnv);
  timings.kernelMs += since(t);

  // Verify only when something was written: a no-op reconcile stays one observe long.
  t = performance.now();
  if (plan.ops.length > 0) {
    const again = planKernel(inputs.desired, await observeBoth({ routerNetns: netns.name, desired: inputs.desired, runner }), { routerNetns: netns.name });
    if (again.ops.length > 0) {
      const left = again.ops.map((o) => `  ${o.why}`).join('\n');
      throw new ConvergeError(`kernel did not converge: ${again.ops.length} change(s) still pending after apply:\n${left}`);
    }
  }
  timings.verifyMs = since(t);

  const l3vnis = await ensureFrrRunsL3Vnis(inputs, log);
  const conflicts = [...plan.conflicts, ...l3vnis.problems];
  const report: ConvergeReport = {
    ok: conflicts.length === 0,
    netns,
    kernelOps: plan.ops.length,
    frrChanged: frr.changed,
    reloaded: frr.reloaded || l3vnis.reloaded,
    conflicts,
    durationMs: since(start),
    timings,
  };
  if (report.ok && deps.saveLastGood !== false) await saveLastGood(rt, inputs.mergedYaml);
  await writeStatus(rt, statusOf(report, inputs.files));
  log.info({ kernelOps: report.kernelOps, frrReloaded: report.reloaded, conflicts: report.conflicts.length, durationMs: report.durationMs, ...timings }, report.ok ? 'converged' : 'converged except for conflicts');
  return report;
}

/**
 * Write frr.conf and have the reloader apply it, only when the rendered text differs from the
 * file: reloading an unchanged config flaps sessions (MetalLB #1537). When FRR refuses the new
 * text, the previous file is put back so an FRR restart still loads the last good config.
 */
async function pushFrrConf(inputs: NodeInputs, log: Logger, force: boolean): Promise<{ changed: boolean; reloaded: boolean }> {
  const rt = inputs.config.runtime;
  await ensureFrrSupportFiles(rt.frrConfigDir);
  const current = await readFrrConf(rt.frrConfigDir);
  const changed = current !== inputs.frrConf;
  if (!changed && !force) return { changed: false, reloaded: false };

  if (changed) await writeFrrConf(rt.frrConfigDir, inputs.frrConf);
  const client = new ReloaderClient(rt.reloaderSocket);
  // The file on disk must only ever say what FRR runs (or will load on restart): "unchanged"
  // is decided by comparing with it. So when the reload does not happen — reloader down,
  // timeout, refusal — the previous file goes back before the error goes up.
  const restore = async (): Promise<void> => {
    if (!changed) return;
    if (current !== undefined) await writeFrrConf(rt.frrConfigDir, current);
    else await rm(frrConfPath(rt.frrConfigDir), { force: true });
  };
  let result;
  try {
    result = await client.reload();
  } catch (e) {
    await restore();
    throw e;
  }
  if (result.ok) {
    log.info({ durationMs: result.durationMs, forced: !changed }, 'FRR reloaded');
    return { changed, reloaded: true };
  }
  await restore();
  // frr-reload.py is not transactional: a failed --reload may have applied part of the change,
  // so push the previous config back through the same path.
  if (result.phase === 'reload' && current !== undefined) {
    const back = await client.reload();
    log.warn({ ok: back.ok }, 'FRR reload failed half-way; re-applied the previous frr.conf');
  }
  // Its own secrets (neighbor passwords, rawConfig's) are masked wherever they still appear.
  const output = redactFrrText(result.output, secretsIn(inputs.frrConf)).trim();
  throw new ConvergeError(`FRR refused the new configuration (${result.phase} phase); the previous frr.conf stays in force:\n${output}`);
}

/** The status.json record of a finished converge (the daemon adds its own fields to it). */
export function statusOf(report: ConvergeReport, configFiles: string[]): ReconcileStatus {
  return {
    at: new Date().toISOString(),
    ok: report.ok,
    durationMs: report.durationMs,
    kernelOps: report.kernelOps,
    frrReloaded: report.reloaded,
    conflicts: report.conflicts,
    configFiles,
  };
}

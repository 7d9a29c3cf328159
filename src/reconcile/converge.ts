// One reconcile: observe -> plan -> kernel (pre) -> frr.conf + reload -> kernel (post) -> verify.
//
// Order of operations, and why: new links are created admin-down before FRR is reloaded and
// brought up after it, and links we no longer want are deleted after it. That is
// das-schiff-network-operator's order: zebra learns each VNI -> VRF mapping from its config
// before the interfaces turn operational (so it advertises the right router MAC), bgpd never
// sees a VXLAN appear ahead of its config (OpenPERouter saw bgpd crash then, #604/#630), and
// FRR stops referring to a VRF before it disappears from the kernel. Run against the real FRR by
// test/integration/e2e-fabric.test.ts and, with VRFs, by the lab (test/lab/node.sh).

import type { Logger } from '../log.js';
import type { NodeInputs } from './inputs.js';
import { resolveRouterNetns, type RouterNetns } from '../netns/resolve.js';
import { observeBoth, type ObservedBoth } from '../kernel/observe.js';
import { planKernel, type KernelPlan } from '../kernel/plan.js';
import { applyPhase } from '../kernel/apply.js';
import { processRunner, type Runner } from '../kernel/runner.js';
import { ensureFrrRunsL3Vnis } from './frr-l3vni.js';
import type { L3VniRepairs } from './l3vni-backoff.js';
import { checkFrrRunning, FRR_UNTOUCHED, frrSteps, pushFrrConf, readFrrFiles } from './frr-push.js';
import { ConvergeError } from './converge-error.js';
import { saveLastGood, syncKubeletEnv, type ReconcileStatus } from './state-files.js';
import type { CrashPoints } from '../model/crash-points.js';
import { readNicSnapshots, writeNicSnapshot } from './nic-snapshots.js';
import { clearCreating, readCreating, writeCreating } from './creating.js';
import { sameSnapshot, type NicSnapshot } from '../kernel/nic-snapshot.js';

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
  /** FRR's netns as the caller resolved it (the daemon, once per pass); default: resolved here. */
  netns?: RouterNetns;
  /**
   * When frr.conf is unchanged, ask the reloader whether FRR runs it (`frr-reload.py --test`,
   * ~0.5 s of CPU) and push it again when not; asked after the kernel post phase (`applied`).
   * The daemon sets it at start and, rarely, on a drift tick; a reload that did not finish is
   * caught without it (frr-reload-pending).
   */
  checkFrrRunning?: boolean;
  /** The kill-point test seam (model/crash-points.ts). */
  crash?: CrashPoints;
  /**
   * The daemon's record of L3VNI rebinds that did not cure (l3vni-backoff.ts): the next waits
   * longer. Default: none kept, a wrong L3VNI is rebound once per converge.
   */
  l3vniRepairs?: L3VniRepairs;
  /**
   * Called once the kernel has both phases applied and FRR has its config, before the verify
   * re-observe and the L3VNI kind check (which still decide the outcome), with the plan's
   * conflicts; awaited. The daemon's readiness may open here: on an emulated CPU those two
   * steps are over a second, and kubelet need not wait for them (README, "what READY means").
   */
  applied?: (conflicts: readonly string[]) => void | Promise<void>;
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
  /** FRR's running config still differs from frr.conf after pushing it again (the lines): it takes a restart of FRR. */
  frrApart?: string[];
  conflicts: string[];
  durationMs: number;
  timings: PhaseTimings;
}

export { ConvergeError, FrrRefusedError } from './converge-error.js';

const since = (t: number): number => Math.round(performance.now() - t);

/** The kernel as observed now and the plan that makes it match, with what the plan read on disk. */
export interface NodePlan {
  netns: RouterNetns;
  observed: ObservedBoth;
  plan: KernelPlan;
  /** The underlay NICs' snapshots on disk, by NIC (the plan's nicSnapshots are not written yet). */
  stored: Map<string, NicSnapshot>;
  /** Links a previous run was creating (creating.json), adopted by the plan. */
  creating: Set<string>;
  observeMs: number;
  planMs: number;
}

/**
 * Observe both netns and plan against the state on disk (NIC snapshots, creating.json): what
 * `plan` prints, the daemon's drift look, and converge's first step. Writes nothing.
 */
export async function planNode(
  inputs: NodeInputs,
  opts: { runner?: Runner; netns?: RouterNetns | undefined } = {},
): Promise<NodePlan> {
  const rt = inputs.config.runtime;
  let t = performance.now();
  const netns = opts.netns ?? (await resolveRouterNetns({ pidFile: rt.pidFile, preferredName: rt.netns }));
  const observed = await observeBoth({
    routerNetns: netns.name,
    desired: inputs.desired,
    ...(opts.runner ? { runner: opts.runner } : {}),
  });
  const observeMs = since(t);
  const stored = await readNicSnapshots(
    rt,
    inputs.desired.underlays.map((u) => u.name),
  );
  const creating = await readCreating(rt);
  t = performance.now();
  const plan = planKernel(inputs.desired, observed, { routerNetns: netns.name, nicSnapshots: stored, adopt: creating });
  return { netns, observed, plan, stored, creating, observeMs, planMs: since(t) };
}

/**
 * Converge once and return the report (or throw). It writes no status: the record of the
 * outcome is its caller's (the daemon's status.json, or one-shot.ts for apply and try).
 */
export async function converge(inputs: NodeInputs, deps: ConvergeDeps): Promise<ConvergeReport> {
  const start = performance.now();
  const { log } = deps;
  const rt = inputs.config.runtime;
  const runner = deps.runner ?? processRunner();
  const { netns, plan, stored, creating, observeMs, planMs } = await planNode(inputs, { runner, netns: deps.netns });
  const timings: PhaseTimings = { observeMs, planMs, kernelMs: 0, frrMs: 0, verifyMs: 0 };
  const crash = deps.crash;

  // The NICs about to leave the host are on disk, fsynced, before the batch that moves them:
  // from then on, however the run ends, the next one can give them back their addresses.
  const nicSnapshots = new Map(stored);
  for (const snap of plan.nicSnapshots ?? []) {
    if (!sameSnapshot(snap, stored.get(snap.nic))) await writeNicSnapshot(rt, snap);
    nicSnapshots.set(snap.nic, snap);
    log.info(
      { nic: snap.nic, addrs: snap.addrs.map((a) => a.cidr), routes: snap.routes.length },
      'underlay NIC snapshot saved before its move',
    );
  }
  crash?.after('snapshot');

  for (const c of plan.conflicts) log.warn({ conflict: c }, 'not touching an object evpn-node does not own');
  // The links this plan creates are journalled before the batch that creates (and, a line
  // later, marks) them: a kill between the two lines must not leave them unowned.
  const journal = plan.created?.length || creating.size ? new Set([...creating, ...(plan.created ?? [])]) : undefined;
  if (journal) await writeCreating(rt, journal);

  const applyOpts = { routerNetns: netns.name, runner, ...(crash ? { crash } : {}) };
  crash?.after('plan');
  let t = performance.now();
  await applyPhase(plan, 'pre', applyOpts);
  if (journal) await clearCreating(rt);
  timings.kernelMs += since(t);
  crash?.after('pre');

  t = performance.now();
  const frrFiles = await readFrrFiles(inputs);
  const frrStep = frrSteps(frrFiles, {
    force: deps.forceFrrReload === true,
    checkRunning: deps.checkFrrRunning === true,
  });
  let frr = frrStep.pushBeforePost
    ? await pushFrrConf(inputs, log, frrFiles, { apart: false, ...(crash ? { crash } : {}) })
    : FRR_UNTOUCHED;
  timings.frrMs = since(t);
  crash?.after('frr');

  t = performance.now();
  await applyPhase(plan, 'post', applyOpts);
  crash?.after('post');
  await syncKubeletEnv(rt, inputs.kubeletEnv);
  timings.kernelMs += since(t);
  await deps.applied?.(plan.conflicts);

  // Does FRR run the unchanged frr.conf it loaded by itself? Asked after the kernel phases, like
  // the verify below: it is frr-reload.py --test (seconds of CPU on an emulated one), FRR read
  // the file at its start, and a push it leads to is the drift check's repair, links already up.
  if (frrStep.checkAfterPost) {
    t = performance.now();
    frr = await checkFrrRunning(inputs, log, frrFiles, crash);
    timings.frrMs += since(t);
  }

  // Verify only when something was written: a no-op reconcile stays one observe long.
  t = performance.now();
  if (plan.ops.length > 0) {
    const again = planKernel(
      inputs.desired,
      await observeBoth({ routerNetns: netns.name, desired: inputs.desired, runner }),
      { routerNetns: netns.name, nicSnapshots },
    );
    if (again.ops.length > 0) {
      const left = again.ops.map((o) => `  ${o.why}`).join('\n');
      throw new ConvergeError(
        `kernel did not converge: ${again.ops.length} change(s) still pending after apply:\n${left}`,
      );
    }
  }
  timings.verifyMs = since(t);

  const l3vnis = await ensureFrrRunsL3Vnis(inputs, log, {
    runner,
    netns: netns.name,
    client: frrFiles.client,
    ...(deps.l3vniRepairs ? { repairs: deps.l3vniRepairs } : {}),
  });
  const conflicts = [...plan.conflicts, ...l3vnis.problems];
  const report: ConvergeReport = {
    ok: conflicts.length === 0,
    netns,
    kernelOps: plan.ops.length,
    frrChanged: frr.changed,
    reloaded: frr.reloaded || l3vnis.reloaded,
    ...(frr.apart ? { frrApart: frr.apart } : {}),
    conflicts,
    durationMs: since(start),
    timings,
  };
  if (report.ok && deps.saveLastGood !== false) await saveLastGood(rt, inputs.mergedYaml);
  log.info(
    {
      kernelOps: report.kernelOps,
      frrReloaded: report.reloaded,
      conflicts: report.conflicts.length,
      durationMs: report.durationMs,
      ...timings,
    },
    report.ok ? 'converged' : 'converged except for conflicts',
  );
  return report;
}

/** The status.json record of a converge that failed (threw) after `durationMs`. */
export function failedStatusOf(message: string, durationMs: number, configFiles: string[]): ReconcileStatus {
  return {
    at: new Date().toISOString(),
    ok: false,
    durationMs,
    kernelOps: 0,
    frrReloaded: false,
    conflicts: [],
    error: message,
    configFiles,
  };
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

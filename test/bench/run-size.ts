// IO: every measurement of one N, run by run, inside the node netns (where evpn-node runs in
// production, so the host side is "the current netns" exactly as for the CLI).
//
// Each run starts from the same state: FRR emptied, every link with our alias deleted, the
// underlay NIC back in the host with its address (reset.ts: a group delete, then evpn-node's
// own teardown for the rest), checked against the baseline snapshot taken before the first run,
// and FRR quiet again (frr-quiet.ts) so no variant shares the CPUs with FRR catching up. Order per run:
//   A  evpn-node converge() from scratch (observe, plan, kernel pre, frr.conf + reload, kernel
//      post, verify), then no-op converge()s under `ip monitor` (one right after the apply,
//      while FRR still digests it; five once FRR is quiet), then +1 VNI and -1 VNI;
//   B  evpn-node's kernel path alone (observe, plan, applyPhase pre+post) with FRR idle, the
//      same conditions as C and D;
//   C  one `ip -batch` per namespace with B's ops (the limit);
//   D  a shell script, one `ip` process per op (the seed's approach).
// Every variant's end state is compared with A's (ip -j dumps minus ifindex/MAC/timer noise).

import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import type { Logger } from '../../src/log.js';
import { loadInputs, type NodeInputs } from '../../src/reconcile/inputs.js';
import { converge, type ConvergeReport } from '../../src/reconcile/converge.js';
import { EMPTY_FRR_CONF } from '../../src/reconcile/teardown.js';
import { resetNode } from './reset.js';
import { readFrrConf } from '../../src/reconcile/frr-files.js';
import { resolveRouterNetns } from '../../src/netns/resolve.js';
import { observeBoth } from '../../src/kernel/observe.js';
import { planKernel, type KernelPlan } from '../../src/kernel/plan.js';
import { applyPhase } from '../../src/kernel/apply.js';
import { buildFrrModel } from '../../src/frr/build.js';
import { renderFrrConf } from '../../src/frr/render.js';
import { benchConfigYaml, type FabricRuntime } from './config-gen.js';
import { firstDifference, snapshot, type Snapshot } from './kernel-dump.js';
import { runLimit, runSeed } from './variants.js';
import { netlinkEvents } from './netlink-watch.js';
import { Samples } from './stats.js';
import { cpuMsWithChildren } from './cpu-time.js';
import { frrQuiet } from './frr-quiet.js';

export interface SizeOptions {
  n: number;
  runs: number;
  /** Runs of the (slow) seed script; the others run `runs` times. */
  seedRuns: number;
  fabric: FabricRuntime;
  workDir: string;
  /** Configs carry a metrics block (--metrics). */
  metrics?: boolean;
  log: Logger;
  /** Progress lines. */
  say: (text: string) => void;
  /** Snapshot of the start state; taken on the first size. */
  baseline?: { host: Snapshot; router: Snapshot };
}

export interface SizeResult {
  n: number;
  runs: number;
  seedRuns: number;
  kernelOps: number;
  processes: { evpnNode: number; limit: number; seed: number };
  frrConfBytes: number;
  samples: Record<string, number[]>;
  medians: Record<string, number>;
  checks: string[];
  baseline: { host: Snapshot; router: Snapshot };
}

const now = (): number => performance.now();
/** No-op converges per run once FRR is quiet (their median is the no-op figure). */
const NOOP_SAMPLES = 5;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function inputsFor(n: number, o: SizeOptions, name: string, from = 0): Promise<NodeInputs> {
  const path = `${o.workDir}/${name}.yaml`;
  await writeFile(path, benchConfigYaml(n, o.fabric, { from, metrics: o.metrics === true }));
  return loadInputs(path);
}

export async function runSize(o: SizeOptions): Promise<SizeResult> {
  const { n, fabric, log, say } = o;
  const s = new Samples();
  const checks: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new Error(`bench check failed at N=${n}: ${what}`);
    if (!checks.includes(what)) checks.push(what);
  };

  let t = now();
  const inputs = await inputsFor(n, o, `config-${n}`);
  s.add('configLoadMs', now() - t);
  const plus = await inputsFor(n + 1, o, `config-${n}-plus1`);
  t = now();
  renderFrrConf(buildFrrModel(inputs.config, inputs.derived, new Map()));
  s.add('renderMs', now() - t);

  // FRR quiet before a timing; says so when it never got there (the timing then shares the CPUs).
  const waitFrrQuiet = async (sample: string, before: string): Promise<void> => {
    const q = await frrQuiet(fabric.pidFile);
    s.add(sample, q.waitedMs);
    if (!q.quiet)
      say(
        `  N=${n}: FRR still used ${Math.round(q.cpuPercent)} % of a CPU after ${Math.round(q.waitedMs / 1000)} s; measuring ${before} anyway`,
      );
  };
  const teardown = async (): Promise<void> => {
    await resetNode(
      inputs.config.runtime,
      inputs.config.underlay.nics.map((u) => u.name),
      { log, routerNetns: fabric.netns },
    );
    // zebra digests the deletions; let it finish before the next timed variant, so that no
    // variant shares the CPUs with FRR catching up on the one before.
    await sleep(500);
    await waitFrrQuiet('frrSettleMs', 'the next variant');
  };
  await teardown();
  const baseline = o.baseline ?? (await snapshot(fabric.netns));
  const atStart = async (what: string): Promise<void> => {
    const d = firstDifference(baseline, await snapshot(fabric.netns));
    check(d === undefined, `start state identical before ${what}${d ? `: ${d}` : ''}`);
    check((await readFrrConf(fabric.frrConfigDir)) === EMPTY_FRR_CONF, 'FRR empty at the start of each variant');
  };

  let reference: { host: Snapshot; router: Snapshot } | undefined;
  const sameAsEvpnNode = async (what: string): Promise<void> => {
    const d = firstDifference(reference, await snapshot(fabric.netns));
    check(d === undefined, `${what}: kernel state identical to evpn-node's${d ? `: ${d}` : ''}`);
  };

  let plan: KernelPlan | undefined;
  const processes = { evpnNode: 0, limit: 0, seed: 0 };
  for (let run = 0; run < o.runs; run++) {
    // A: the real reconcile, from scratch.
    await atStart('evpn-node converge');
    const a = await converge(inputs, { log });
    check(a.ok && a.reloaded, 'converge from scratch ok and FRR reloaded');
    s.add('evpnTotalMs', a.durationMs);
    s.add('evpnObserveMs', a.timings.observeMs);
    s.add('evpnPlanMs', a.timings.planMs);
    s.add('evpnKernelMs', a.timings.kernelMs);
    s.add('evpnFrrReloadMs', a.timings.frrMs);
    s.add('evpnVerifyMs', a.timings.verifyMs);
    if (!reference) reference = await snapshot(fabric.netns);
    else await sameAsEvpnNode('evpn-node converge (run ' + run + ')');

    // No-op: nothing may be written, FRR not reloaded. The kernel finishes what the apply set
    // in motion first (IPv6 DAD on the new links adds link-local addresses ~1 s after `up`).
    // One no-op right then, while FRR still digests the N VNIs (it shares the 2 CPUs); then,
    // once FRR is quiet, NOOP_SAMPLES more: the cost of a reconcile on a converged node.
    await settled(fabric.netns);
    const noopSample = async (): Promise<{ report: ConvergeReport; cpuMs: number }> => {
      const c0 = cpuMsWithChildren();
      const report = await converge(inputs, { log });
      return { report, cpuMs: cpuMsWithChildren() - c0 };
    };
    // Under `ip monitor`: the converges, not the wait between them (FRR may write meanwhile).
    const busy = await netlinkEvents([undefined, fabric.netns], noopSample);
    await waitFrrQuiet('noopFrrSettleMs', 'the no-op');
    const quiet = await netlinkEvents([undefined, fabric.netns], async () => {
      const out = [];
      for (let i = 0; i < NOOP_SAMPLES; i++) out.push(await noopSample());
      return out;
    });
    s.add('noopBusyMs', busy.result.report.durationMs);
    s.add('noopBusyCpuMs', busy.result.cpuMs);
    for (const x of quiet.result) {
      s.add('noopMs', x.report.durationMs);
      s.add('noopCpuMs', x.cpuMs);
      s.add('noopObserveMs', x.report.timings.observeMs);
      s.add('noopPlanMs', x.report.timings.planMs);
    }
    for (const r of [busy.result, ...quiet.result].map((x) => x.report)) {
      check(r.kernelOps === 0, 'no-op converge: zero kernel ops');
      check(!r.reloaded && !r.frrChanged, 'no-op converge: FRR not reloaded (rendered text equals the file)');
    }
    const events = [...busy.events, ...quiet.events];
    check(
      events.length === 0,
      `no-op converge: ip monitor saw no event${events.length ? ` (saw ${events.length}: ${events.slice(0, 3).join(' | ')})` : ''}`,
    );

    // One VNI more, then back.
    const add = await converge(plus, { log });
    s.add('addOneMs', add.durationMs);
    s.add('addOneOps', add.kernelOps);
    s.add('addOneKernelMs', add.timings.kernelMs);
    s.add('addOneFrrReloadMs', add.timings.frrMs);
    const del = await converge(inputs, { log });
    s.add('delOneMs', del.durationMs);
    s.add('delOneOps', del.kernelOps);
    s.add('delOneKernelMs', del.timings.kernelMs);
    s.add('delOneFrrReloadMs', del.timings.frrMs);
    // L2VNIs under advertise-all-vni have no per-VNI FRR config: the text, and so FRR, stays.
    s.add('addOneReloaded', add.reloaded ? 1 : 0);
    s.add('delOneReloaded', del.reloaded ? 1 : 0);
    await sameAsEvpnNode('after +1/-1 VNI');
    await teardown();

    // B: evpn-node's kernel path with FRR idle.
    await atStart('evpn-node kernel path');
    t = now();
    const netns = await resolveRouterNetns({ pidFile: fabric.pidFile, preferredName: fabric.netns });
    const observed = await observeBoth({ routerNetns: netns.name, desired: inputs.desired });
    const tObs = now();
    plan = planKernel(inputs.desired, observed, { routerNetns: netns.name });
    const tPlan = now();
    await applyPhase(plan, 'pre', { routerNetns: netns.name });
    await applyPhase(plan, 'post', { routerNetns: netns.name });
    const tApply = now();
    check(plan.ops.length === a.kernelOps, 'the kernel path plans the same ops as converge');
    s.add('kernelObserveMs', tObs - t);
    s.add('kernelPlanMs', tPlan - tObs);
    s.add('kernelApplyMs', tApply - tPlan);
    s.add('kernelPathMs', tApply - t);
    await sameAsEvpnNode('evpn-node kernel path');
    processes.evpnNode = countProcesses(plan);
    await teardown();

    // C: the limit.
    await atStart('ip -batch limit');
    const lim = await runLimit(plan, fabric.netns);
    s.add('limitMs', lim.ms);
    processes.limit = lim.processes;
    await sameAsEvpnNode('ip -batch limit');
    await teardown();

    // D: the seed's approach (slow at large N: fewer runs).
    if (run < o.seedRuns) {
      await atStart('seed script');
      const seed = await runSeed(plan, fabric.netns, `${o.workDir}/seed-${n}.sh`);
      s.add('seedMs', seed.ms);
      processes.seed = seed.processes;
      await sameAsEvpnNode('seed script');
      await teardown();
    }
    say(
      `  N=${n} run ${run + 1}/${o.runs}: converge ${a.durationMs} ms, kernel path ${Math.round(tApply - t)} ms, limit ${Math.round(lim.ms)} ms, no-op ${quiet.result.map((x) => x.report.durationMs).join('/')} ms (${busy.result.report.durationMs} ms with FRR busy)${s.data.seedMs?.[run] !== undefined ? `, seed ${Math.round(s.data.seedMs[run] as number)} ms` : ''}`,
    );
  }
  return {
    n,
    runs: o.runs,
    seedRuns: o.seedRuns,
    kernelOps: plan?.ops.length ?? 0,
    processes,
    frrConfBytes: Buffer.byteLength(inputs.frrConf),
    samples: s.data,
    medians: s.medians(),
    checks,
    baseline,
  };
}

/**
 * Waits until the kernel has finished what an apply set in motion (carrier coming up on veth
 * ends, IPv6 DAD adding link-local addresses): `ip monitor` quiet for 2.5 s in both namespaces,
 * at most 60 s. Those events are the kernel's, not writes; the no-op check starts after them.
 * 1 s was too short under load: linkwatch hands carrier changes over in batches up to a second
 * apart, and a no-op once saw ~1800 bridge-port "state UP" events of the host legs.
 */
async function settled(routerNetns: string): Promise<void> {
  let last = now();
  const mons = [[], ['-n', routerNetns]].map((ns) => {
    const p = execa('ip', [...ns, 'monitor', 'link', 'address', 'route', 'rule'], { reject: false, buffer: false });
    p.stdout?.on('data', () => (last = now()));
    return p;
  });
  const start = now();
  while (now() - last < 2500 && now() - start < 60_000) await sleep(100);
  for (const m of mons) m.kill('SIGTERM');
  await Promise.all(mons.map((m) => m.catch(() => undefined)));
}

/** ip/sysctl processes evpn-node's applyPhase starts for a plan. */
function countProcesses(plan: KernelPlan): number {
  const groups = new Set(
    plan.ops.map((op) => `${op.phase} ${op.ns} ${op.kind} ${op.kind === 'ip' && op.args[0] === '-6' ? '6' : '4'}`),
  );
  return groups.size;
}

// The drift checks of a pass whose config is already in force, cheapest first: is FRR off the
// rendered config (one read, one stat, and now and then frr-reload.py --test), the L3VNIs'
// router MACs (only when their devices saw a netlink event, a gap is pending, or now and then),
// may a netlink event since the last look have changed the plan (no observe while the kernel is
// quiet), and the kernel plan itself (one observe per netns). Each logs what it found as drift.

import type { Logger } from '../log.js';
import { planNode, type ConvergeReport } from '../reconcile/converge.js';
import { readFrrConf } from '../reconcile/frr-files.js';
import { reloadPending } from '../reconcile/state-files.js';
import { l3VniOff } from '../reconcile/frr-l3vni.js';
import type { ReloaderClient } from '../frr/reload-client.js';
import { reloaderFor } from '../reconcile/frr-push.js';
import type { L3VniRepairs } from '../reconcile/l3vni-backoff.js';
import { bridgeName, vxlanName } from '../model/names.js';
import type { Runner } from '../kernel/runner.js';
import type { RouterNetns } from '../netns/resolve.js';
import type { MetricsExporter } from '../metrics/exporter.js';
import { driftKinds } from '../metrics/drift-kinds.js';
import { NetlinkMonitor } from './netlink-monitor.js';
import type { LoadedConfig } from './config-source.js';
import { messageOf } from '../errors.js';

export interface DriftCheckDeps {
  log: Logger;
  runner: Runner;
  metrics?: Pick<MetricsExporter, 'driftRepaired'> | undefined;
  /** How often FRR's running config is compared with frr.conf (default 10 min). */
  frrCheckMs?: number | undefined;
  /** The kernel is observed at least this often whatever the netlink monitors say (default 10 min). */
  backstopMs?: number | undefined;
  /** The daemon's record of L3VNI rebinds, shared with its converges (l3vni-backoff.ts). */
  l3vniRepairs?: L3VniRepairs | undefined;
  /** The L3VNIs are looked at at least this often whatever the netlink monitors say (default 5 min). */
  l3vniBackstopMs?: number | undefined;
}

export class DriftCheck {
  /** Full observes started so far (drift checks and converges). */
  looks = 0;
  private readonly netlink: NetlinkMonitor;
  private quietSaid = false;
  private l3QuietSaid = false;
  /** When FRR's running config was last compared with frr.conf (0: never). */
  private frrCheckedAt = 0;
  /** The frr.conf text FRR could not be brought in line with by a reload (see converge's frrApart). */
  private frrStuck: string | undefined;

  constructor(private readonly deps: DriftCheckDeps) {
    this.netlink = new NetlinkMonitor({ backstopMs: deps.backstopMs ?? 600_000 });
  }

  /** Listen to FRR's netns (and the host's) for events that can change the plan. */
  follow(netns: { name: string; inode: number }): Promise<void> {
    return this.netlink.follow(netns);
  }

  stop(): Promise<void> {
    return this.netlink.stop();
  }

  /**
   * Right before a full observe: netlink events from now on count for the next drift tick.
   * `converge`: the converge also looks at the L3VNIs (ensureFrrRunsL3Vnis), always.
   */
  looking(o: { converge?: boolean } = {}): void {
    this.looks++;
    this.netlink.looking();
    this.quietSaid = false;
    if (o.converge) this.l3vniLooking();
  }

  private l3vniLooking(): void {
    this.netlink.l3Looking();
    this.l3QuietSaid = false;
  }

  /**
   * At start, FRR's running config is checked against the file once by the converge (a reload
   * killed at the wrong moment by a previous controller); later on, frrOff's check does it.
   */
  get checkFrrRunning(): boolean {
    return this.frrCheckedAt === 0;
  }

  /** A converge finished: whether it compared FRR's running config, and whether FRR stayed apart. */
  converged(target: LoadedConfig, report: ConvergeReport, checkedFrr: boolean): void {
    if (checkedFrr) this.frrCheckedAt = Date.now();
    // A push that did not bring FRR in line would not the next time either: not every 10 min.
    this.frrStuck = report.frrApart ? target.inputs.frrConf : undefined;
  }

  /**
   * Whether FRR may not run the rendered config, cheapest first: frr.conf compared (one read),
   * a reload that did not finish (one stat: frr-reload-pending), and — once per frrCheckMs, not
   * every tick — FRR's running config itself (`frr-reload.py --test` through the reloader: a
   * few hundred ms of FRR's CPU, not the daemon's; 10 min apart). `push`: reload even though
   * the file is right. Then, when there are L3VNIs, whether FRR runs them right in
   * `netns` (three vtysh queries, and four small dumps per L3VNI): zebra can lose their router
   * MACs with nothing else changing (reconcile/frr-l3vni.ts); skipped while their devices are
   * quiet (l3VniApart). Said as drift when off.
   */
  async frrOff(target: LoadedConfig, netns: RouterNetns): Promise<false | { push: boolean }> {
    const client = reloaderFor(target.inputs);
    const off = (await this.frrApart(target, client)) ?? (await this.l3VniApart(target, netns, client));
    if (!off) return false;
    this.deps.log.warn(`drift: ${off.why}`);
    this.deps.metrics?.driftRepaired(driftKinds([], true));
    return { push: off.push };
  }

  /** The netlink monitors' verdict for a quiet drift tick: true when the kernel need not be observed. */
  kernelQuiet(): boolean {
    const v = this.netlink.verdict();
    if (!v.look) {
      // Said once per quiet stretch, not every tick.
      if (!this.quietSaid)
        this.deps.log.info(
          { why: v.why },
          'drift ticks: kernel quiet, not observing it until a netlink event (or the backstop)',
        );
      this.quietSaid = true;
      return true;
    }
    this.deps.log.info({ why: v.why }, 'drift tick: observing the kernel');
    return false;
  }

  /** The kernel drift check: one observe per netns; true when converge is needed. */
  async kernelDrifted(target: LoadedConfig, netns: RouterNetns): Promise<boolean> {
    const { plan } = await planNode(target.inputs, { netns, runner: this.deps.runner });
    if (plan.ops.length) this.deps.metrics?.driftRepaired(driftKinds(plan.ops, false));
    for (const op of plan.ops) this.deps.log.warn({ ns: op.ns }, `drift: ${op.why}`);
    return plan.ops.length > 0;
  }

  /** An L3VNI FRR runs wrong: the converge this leads to rebinds it (reconcile/frr-l3vni.ts). */
  private async l3VniApart(
    target: LoadedConfig,
    netns: RouterNetns,
    client: ReloaderClient,
  ): Promise<{ why: string; push: boolean } | undefined> {
    const { inputs } = target;
    if (inputs.config.l3vnis.length === 0) return undefined;
    const devices = new Set(inputs.config.l3vnis.flatMap((l) => [vxlanName(l.vni), bridgeName(l.vni)]));
    const v = this.netlink.l3Verdict(devices, this.deps.l3vniBackstopMs ?? 300_000);
    // A gap waiting for its rebind, or being repaired, is looked at every tick: its conflict
    // must clear as soon as it is whole.
    if (!v.look && !this.deps.l3vniRepairs?.pending) {
      if (!this.l3QuietSaid)
        this.deps.log.info({ why: v.why }, "drift ticks: L3VNIs' devices quiet, not checking their router MACs");
      this.l3QuietSaid = true;
      return undefined;
    }
    this.l3vniLooking();
    try {
      const why = await l3VniOff(inputs, this.deps.log, {
        runner: this.deps.runner,
        netns: netns.name,
        client,
        ...(this.deps.l3vniRepairs ? { repairs: this.deps.l3vniRepairs } : {}),
      });
      return why === undefined ? undefined : { why, push: false };
    } catch (e) {
      // A dump failing (FRR's netns gone since the pass's look): the next pass finds out.
      this.deps.log.debug({ err: messageOf(e) }, 'L3VNI check skipped');
      return undefined;
    }
  }

  private async frrApart(
    target: LoadedConfig,
    client: ReloaderClient,
  ): Promise<{ why: string; push: boolean } | undefined> {
    const rt = target.inputs.config.runtime;
    if ((await readFrrConf(rt.frrConfigDir)) !== target.inputs.frrConf)
      return { why: `frr.conf in ${rt.frrConfigDir} differs from the rendered config`, push: false };
    if (await reloadPending(rt))
      return { why: 'a reload of frr.conf did not finish (frr-reload-pending): FRR may not run the file', push: false };
    if (Date.now() - this.frrCheckedAt < (this.deps.frrCheckMs ?? 600_000) || this.frrStuck === target.inputs.frrConf)
      return undefined;
    this.frrCheckedAt = Date.now();
    const d = await client.diffLines().catch((e: unknown) => ({ ok: false as const, output: messageOf(e) }));
    if (!d.ok) {
      this.deps.log.warn(
        { output: d.output.slice(-2000) },
        'cannot tell whether FRR runs frr.conf (frr-reload.py --test failed)',
      );
      return undefined;
    }
    const { lines } = d;
    if (!lines.length) return undefined;
    return {
      why: `FRR runs something other than frr.conf (${lines.length} line(s) apart, first: ${lines[0] ?? '?'})`,
      push: true,
    };
  }
}

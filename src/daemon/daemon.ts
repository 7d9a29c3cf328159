// `evpn-node run`: get the node onto the fabric without anyone watching, keep it there through
// restarts and edits, and never take it off the network because of a typo.
//
// Every change goes through one single-flight pass (passes never overlap; triggers during one
// merge into the next), so the order of events cannot interleave two reconciles:
//
//   boot ─▶ read config (disk, else last-good.yaml) ─▶ wait for FRR (pidfile → netns, reloader
//   healthz; capped backoff) ─▶ converge ─▶ [kernel + FRR applied] ─▶ readiness (underlay
//   Established) ─▶ READY=1, while the converge verifies ─▶ [converged]
//
// Then: config edits (debounced) → re-read and converge the candidate; an invalid or FRR-refused
// candidate is reported and the config in force is converged again (which also takes back the
// kernel objects the refused candidate created); the FRR pidfile → same netns inode: FRR
// restarted, re-push (forced reload) and verify; new inode: re-plumb; drift tick → cheap plan,
// converge only when something is off; try.json with a live pid → hands off.
//
// The daemon holds the writer lock (reconcile/writer-lock.ts) from its first pass to its stop:
// `apply` goes through it (SIGHUP, then waits for a pass that started after its request),
// `teardown` refuses unless --force, which leaves <runDir>/torn-down so no later pass builds it
// back. A try's deadline is enforced here too: a try alive past it without deciding is killed.
//
// This file is the loop: watchers, timers, signals, and the steps of a pass. What a pass does
// next is decide.ts's (pure); whether someone else owns the node (lock, torn-down, try.json)
// hands-off.ts's; the drift checks drift-check.ts's; the configs in force, candidate and
// last-good config-in-force.ts's; READY=1 readiness-gate.ts's; status.json, STATUS= and the
// metrics publish.ts's.

import type { Logger } from '../log.js';
import type { RuntimeConfig } from '../config/types.js';
import type { Notifier } from '../systemd/notify.js';
import { converge, failedStatusOf, statusOf, FrrRefusedError, type ConvergeReport } from '../reconcile/converge.js';
import type { ReconcileStatus } from '../reconcile/state-files.js';
import { resolveRouterNetns, NetnsError, type RouterNetns } from '../netns/resolve.js';
import { ReloaderClient, ReloaderError, ReloaderUnavailableError } from '../frr/reload-client.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { SingleFlight } from './single-flight.js';
import { debounce, type Debounced } from './debounce.js';
import { configTargets, watchPaths, type PathWatcher } from './watch.js';
import type { CrashPoints } from '../model/crash-points.js';
import { missingNics, type DaemonState } from './state.js';
import { Heartbeat } from './heartbeat.js';
import { processRunner, type Runner } from '../kernel/runner.js';
import { releaseDumps, smallYoungGeneration } from './heap.js';
import { lenientRuntime, passwordFiles, type LoadedConfig } from './config-source.js';
import { ConfigInForce } from './config-in-force.js';
import {
  decide,
  frrSeen,
  settleConverge,
  settleFailure,
  type FailureKind,
  type FrrSeen,
  type PassFacts,
  type Reason,
} from './decide.js';
import { ReadinessGate } from './readiness-gate.js';
import { checkUnderlay } from './readiness.js';
import { HandsOff, type HandsOffVerdict } from './hands-off.js';
import { DriftCheck } from './drift-check.js';
import { L3VniRepairs } from '../reconcile/l3vni-backoff.js';
import { publish, statusLine, type DaemonView, type LastConverge } from './publish.js';
import type { MetricsExporter } from '../metrics/exporter.js';
import { messageOf } from '../errors.js';

export interface DaemonOptions {
  configPath: string;
  /** Our pid: the writer lock and status.json name it. */
  pid: number;
  log: Logger;
  notifier: Notifier;
  /** Drift check period; 0 turns it off. */
  driftIntervalMs: number;
  /** Quiet time after the last config edit before reconciling. */
  debounceMs: number;
  backoff?: BackoffOptions;
  /** How often readiness asks FRR about the underlay session (default 500 ms). */
  readinessPollMs?: number;
  /** How often a try in progress is checked for its end (default 1000 ms). */
  tryPollMs?: number;
  /**
   * A drift tick observes the kernel only after a netlink event that can change the plan (see
   * netlink-monitor.ts), and at least this often whatever the monitors say (default 10 min).
   */
  driftBackstopMs?: number;
  /** Prometheus metrics (config `metrics:`): told of every converge, drift repair and pass. */
  metrics?: Pick<MetricsExporter, 'reconciled' | 'driftRepaired' | 'frrReload' | 'update' | 'stop'>;
  /** How often a drift tick compares FRR's running config with frr.conf (default 10 min). */
  frrCheckMs?: number;
  /** The kill-point test seam (model/crash-points.ts); undefined in production. */
  crash?: CrashPoints;
  /**
   * systemd's watchdog interval (WatchdogSec=, passed as WATCHDOG_USEC): WATCHDOG=1 every quarter
   * of it while the work loop is alive (heartbeat.ts). undefined: no watchdog.
   */
  watchdogMs?: number;
  /** How long one ip or sysctl process may run before it is killed (default 60 s; io/capture.ts). */
  commandTimeoutMs?: number;
}

/** How a converge failed, for settleFailure (decide.ts). */
const failureKind = (e: unknown): FailureKind =>
  e instanceof NetnsError || e instanceof ReloaderUnavailableError
    ? 'frr-unavailable'
    : e instanceof FrrRefusedError
      ? 'frr-refused'
      : 'other';

export class Daemon {
  private readonly log: Logger;
  private readonly flight = new SingleFlight<Reason>((r) => this.guardedPass(r));
  private readonly backoff: Backoff;
  private readonly startedAt = Date.now();

  private state: DaemonState = 'starting';
  private detail: string | undefined;
  private rt: RuntimeConfig | undefined;
  /** The config in force, the candidate, and what the files on disk say. */
  private readonly configs: ConfigInForce;
  private lastError: ReconcileStatus['lastError'];
  private last: LastConverge | undefined;
  private frr: Pick<RouterNetns, 'pid' | 'inode' | 'name'> | undefined;
  private convergedOnce = false;
  /** The config the first converge applied (kernel both phases, FRR's config), before its verify. */
  private appliedFirst: LoadedConfig | undefined;
  private readonly gate: ReadinessGate;
  private tryPid: number | undefined;
  private tryPollPending = false;
  /** The writer lock, torn-down, try.json: whether someone else owns the node. */
  private readonly handsOff: HandsOff;
  private lastPass: ReconcileStatus['lastPass'];

  private stopping = false;
  private timers = new Set<NodeJS.Timeout>();
  private retryTimer: NodeJS.Timeout | undefined;
  private driftTimer: NodeJS.Timeout | undefined;
  private configWatch: PathWatcher | undefined;
  private pidWatch: PathWatcher | undefined;
  private watchedPasswordFiles = '';
  private readonly onConfigEdit: Debounced;
  private readonly onPidfile: Debounced;
  /** FRR's config, the netlink verdict and the kernel plan, for a config already in force. */
  private readonly drift: DriftCheck;
  /** L3VNI rebinds that did not cure, across converges and drift ticks (reconcile/l3vni-backoff.ts). */
  private readonly l3vniRepairs = new L3VniRepairs();
  /** Is the work loop alive: the watchdog pings only while it says so. */
  private readonly heartbeat: Heartbeat;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private lastPingAt = 0;
  private stuckLogged = false;
  /** Every ip and sysctl process of a pass: bounded in time, and each one finished is progress. */
  private readonly runner: Runner;
  private resolveDone!: () => void;
  /** Resolves once stop() has finished. */
  readonly done = new Promise<void>((r) => (this.resolveDone = r));

  constructor(private readonly opts: DaemonOptions) {
    this.log = opts.log;
    this.configs = new ConfigInForce(opts.configPath, opts.log);
    this.gate = new ReadinessGate({
      log: opts.log,
      startedAt: this.startedAt,
      ...(opts.readinessPollMs !== undefined ? { pollMs: opts.readinessPollMs } : {}),
      stopping: () => this.stopping,
      inForce: () => this.configs.inForce,
      candidate: () => this.configs.candidate,
      applied: () => (this.convergedOnce ? this.configs.inForce : this.appliedFirst),
      underlayUp: (target) =>
        checkUnderlay(new ReloaderClient(target.inputs.config.runtime.reloaderSocket, { queryTimeoutMs: 10_000 })),
      opened: async () => {
        await this.opts.notifier.ready(statusLine(this.view(), Date.now()));
        await this.publish();
      },
      waiting: () => this.publish(),
      noteError: (m) => this.noteError(m),
      later: (ms, fn) => this.later(ms, fn),
    });
    this.backoff = new Backoff(opts.backoff);
    this.onConfigEdit = debounce(() => void this.flight.trigger('config'), opts.debounceMs);
    // FRR restarting is a burst too (pidfiles removed, directory re-created, pid written).
    this.onPidfile = debounce(() => void this.flight.trigger('pidfile'), 300);
    // A pass silent for a whole watchdog interval is stuck: longer than any one of its steps may
    // take, each being bounded on its own (heartbeat.ts says why that is the threshold).
    this.heartbeat = new Heartbeat(opts.watchdogMs ?? Infinity);
    const inner = processRunner(opts.commandTimeoutMs !== undefined ? { timeoutMs: opts.commandTimeoutMs } : {});
    const progress = <T>(p: Promise<T>): Promise<T> => p.finally(() => this.heartbeat.progress());
    this.runner = { ip: (...a) => progress(inner.ip(...a)), exec: (...a) => progress(inner.exec(...a)) };
    this.drift = new DriftCheck({
      log: opts.log,
      runner: this.runner,
      metrics: opts.metrics,
      frrCheckMs: opts.frrCheckMs,
      backstopMs: opts.driftBackstopMs,
      l3vniRepairs: this.l3vniRepairs,
    });
    this.handsOff = new HandsOff({ pid: opts.pid, log: opts.log, sleep: (ms) => this.sleep(ms) });
  }

  async start(): Promise<void> {
    smallYoungGeneration();
    this.log.info(
      {
        configPath: this.opts.configPath,
        driftIntervalMs: this.opts.driftIntervalMs,
        debounceMs: this.opts.debounceMs,
      },
      'evpn-node daemon starting',
    );
    await this.opts.notifier.status('starting');
    this.configWatch = watchPaths(configTargets(this.opts.configPath, []), (path, event) => {
      this.log.debug({ path, event }, 'config file event');
      this.onConfigEdit();
    });
    if (this.opts.driftIntervalMs > 0) {
      this.driftTimer = setInterval(() => {
        if (!this.flight.busy) void this.flight.trigger('drift');
      }, this.opts.driftIntervalMs);
    }
    if (this.opts.watchdogMs !== undefined) {
      this.log.info(
        { watchdogMs: this.opts.watchdogMs },
        'systemd watchdog on: WATCHDOG=1 while the reconcile loop is alive',
      );
      this.watchdogTimer = setInterval(
        () => void this.pingWatchdog(),
        Math.max(250, Math.floor(this.opts.watchdogMs / 4)),
      );
    }
    void this.flight.trigger('boot');
    void this.gate.run();
  }

  /** SIGHUP: re-read the config and reconcile now, framed by RELOADING=1 … READY=1 once ready. */
  async reload(): Promise<void> {
    if (this.stopping) return;
    this.log.info('SIGHUP: re-reading the config');
    const wasReady = this.gate.ready;
    if (wasReady) await this.opts.notifier.reloading('reloading the configuration');
    await this.flight.trigger('sighup');
    if (wasReady && !this.stopping) await this.opts.notifier.ready(statusLine(this.view(), Date.now()));
  }

  /** SIGTERM/SIGINT: stop watching and leave the network exactly as it is. */
  async stop(signal: string): Promise<void> {
    if (this.stopping) return this.done;
    this.stopping = true;
    this.log.info({ signal }, 'stopping; the network stays up');
    for (const t of [...this.timers, this.retryTimer, this.driftTimer, this.watchdogTimer]) if (t) clearTimeout(t);
    this.onConfigEdit.cancel();
    this.onPidfile.cancel();
    await this.opts.notifier.stopping('stopping (the network stays up)');
    // A pass in flight finishes: cutting a converge in half would leave half a change.
    await this.flight.stop();
    await Promise.all([
      this.configWatch?.close(),
      this.pidWatch?.close(),
      this.drift.stop(),
      this.opts.metrics?.stop(),
    ]);
    await this.handsOff.release();
    this.log.info('stopped');
    this.resolveDone();
    return this.done;
  }

  // ---- one pass -------------------------------------------------------------------------

  /** A pass never throws: whatever fails is logged, reported, and retried with backoff. */
  private async guardedPass(reasons: ReadonlySet<Reason>): Promise<void> {
    const looks = this.drift.looks;
    const startedAt = new Date().toISOString();
    this.heartbeat.passStarted();
    try {
      await this.pass(reasons);
      if (this.drift.looks !== looks) releaseDumps();
      this.lastPass = { startedAt, endedAt: new Date().toISOString(), reasons: [...reasons] };
      await this.publish();
    } catch (e) {
      const message = messageOf(e);
      this.noteError(message);
      if (e instanceof NetnsError || e instanceof ReloaderUnavailableError) this.setState('waiting-frr', message);
      else {
        this.log.error({ err: message }, 'reconcile pass failed; retrying');
        this.setState('degraded', message.split('\n')[0]);
      }
      this.retrySoon();
      this.lastPass = { startedAt, endedAt: new Date().toISOString(), reasons: [...reasons] };
      await this.publish().catch(() => undefined);
    } finally {
      this.heartbeat.passEnded();
      // Straight from the loop that did the work, when a ping is due.
      void this.pingWatchdog();
    }
  }

  /**
   * WATCHDOG=1 (the timer ticks every quarter interval), only while the heartbeat says the loop is alive.
   * A stuck pass is said once, with how long it has been silent: systemd restarts the controller
   * (the network stays up), and the new one converges again.
   */
  private async pingWatchdog(): Promise<void> {
    const interval = this.opts.watchdogMs;
    if (interval === undefined || this.stopping) return;
    if (!this.heartbeat.alive()) {
      if (!this.stuckLogged) {
        this.stuckLogged = true;
        this.log.error(
          { silentMs: this.heartbeat.silentForMs(), watchdogMs: interval },
          'reconcile pass stuck: no progress for longer than the watchdog interval; no more WATCHDOG=1, systemd will restart the controller',
        );
      }
      return;
    }
    this.stuckLogged = false;
    // At most twice per tick: the end of a pass and the timer may both be due.
    if (Date.now() - this.lastPingAt < interval / 8) return;
    this.lastPingAt = Date.now();
    await this.opts.notifier.watchdog();
  }

  /**
   * One pass: decide() says what to look at next, this does it and notes what it found, until
   * a step ends the pass. Only the steps touch the world; the choices are decide's.
   */
  private async pass(reasons: ReadonlySet<Reason>): Promise<void> {
    if (this.stopping) return;
    const why = [...reasons];
    const found: Partial<PassFacts> = {};
    // FRR's netns, resolved once per pass by find-frr; the kernel look and the converge use it.
    let netns: RouterNetns | undefined;
    const frrNetns = (): RouterNetns => {
      if (!netns) throw new Error("internal: a pass step needs FRR's netns before find-frr resolved it");
      return netns;
    };
    for (;;) {
      const step = decide({ reasons: why, ...this.holding(), ...found });
      switch (step.do) {
        case 'take-lock':
          found.lockHeld = this.obey(await this.handsOff.holdLock(await this.runtime()));
          break;
        case 'check-torn-down':
          found.tornDown = !this.obey(await this.handsOff.tornDown(await this.runtime(), this.state));
          break;
        case 'check-try':
          found.tryActive = !this.obey(await this.handsOff.checkTry(await this.runtime(), this.state));
          break;
        case 'read-config':
          await this.readConfig();
          found.read = true;
          break;
        case 'keep-config':
          found.read = false;
          break;
        case 'note-identity':
          this.retrySoon();
          this.configs.noteIdentity();
          found.identityNoted = true;
          break;
        case 'wait-identity':
          this.retrySoon();
          this.setState('waiting-identity', this.configs.identityProblem);
          return;
        case 'wait-config':
          this.setState('waiting-config', this.configs.diskProblem ?? 'no config');
          return;
        case 'find-frr': {
          const frr = await this.findFrr(this.target());
          netns = frr.netns;
          found.frr = frr.seen;
          break;
        }
        case 'check-frr':
          found.frrOff = await this.drift.frrOff(this.target(), frrNetns());
          break;
        case 'ask-netlink':
          found.kernelQuiet = this.drift.kernelQuiet();
          break;
        case 'look-kernel':
          this.drift.looking();
          found.kernelDrifted = await this.drift.kernelDrifted(this.target(), frrNetns());
          break;
        case 'converge':
          this.drift.looking({ converge: true });
          await this.convergeTarget(this.target(), why, step.pushFrr, frrNetns());
          return;
        case 'done':
          return;
      }
    }
  }

  /** What decide() needs of the daemon's own state, read afresh before each step. */
  private holding(): Pick<PassFacts, 'state' | 'inForce' | 'candidate' | 'identityPending'> {
    return {
      state: this.state,
      inForce: this.configs.inForce !== undefined,
      candidate: this.configs.candidate !== undefined,
      identityPending: this.configs.identityProblem !== undefined,
    };
  }

  /** The config this pass works on; decide() asks for no step that needs one before there is one. */
  private target(): LoadedConfig {
    const t = this.configs.target;
    if (!t) throw new Error('internal: a pass step needs a config and there is none');
    return t;
  }

  /**
   * Watch what the target names, then FRR's netns and reloader: that netns, and how FRR changed
   * since the last converge.
   */
  private async findFrr(target: LoadedConfig): Promise<{ netns?: RouterNetns; seen: FrrSeen | 'absent' }> {
    this.rt = target.inputs.config.runtime;
    this.watchPidfile(this.rt.pidFile);
    this.watchPasswordFiles(target);
    const netns = await this.waitForFrr(this.rt);
    if (!netns) return { seen: 'absent' };
    const seen = frrSeen(this.frr, netns);
    if (seen === 'restarted')
      this.log.warn(
        { oldPid: this.frr?.pid, pid: netns.pid },
        'FRR restarted in the same netns: pushing its config again',
      );
    if (seen === 'new-netns')
      this.log.warn(
        { oldInode: this.frr?.inode, inode: netns.inode, netns: netns.name },
        'FRR runs in a new netns (router pod recreated): plumbing it from scratch',
      );
    if (!this.stopping) await this.drift.follow({ name: netns.name, inode: netns.inode });
    return { netns, seen };
  }

  /** Where the run dir is: the config's, else that of the files as written (they may not validate). */
  private async runtime(): Promise<RuntimeConfig> {
    return this.rt ?? (await lenientRuntime(this.opts.configPath));
  }

  /** Someone else owns the node: take on the state it says, and look again soon if it says so. */
  private obey(v: HandsOffVerdict): boolean {
    if (v.go) return true;
    if (v.tryPid !== undefined) this.tryPid = v.tryPid;
    this.setState(v.state, v.detail);
    if (v.pollAgain) this.pollAgain();
    return false;
  }

  /** Another pass soon, to see whether the try (or the lock's holder) is done. */
  private pollAgain(): void {
    if (this.tryPollPending) return;
    this.tryPollPending = true;
    this.later(this.opts.tryPollMs ?? 1000, () => {
      this.tryPollPending = false;
      void this.flight.trigger('try-ended');
    });
  }

  /** Re-read the files (config-in-force.ts); note what the daemon keeps beside them. */
  private async readConfig(): Promise<void> {
    const note = await this.configs.read(this.rt !== undefined);
    if (note.error !== undefined) this.noteError(note.error);
    if (note.runtime && (note.runtime.replace || !this.rt)) this.rt = note.runtime.rt;
  }

  /** FRR's netns from the pidfile, and the reloader answering; undefined (and a retry) if not yet. */
  private async waitForFrr(rt: RuntimeConfig): Promise<RouterNetns | undefined> {
    try {
      const netns = await resolveRouterNetns({ pidFile: rt.pidFile, preferredName: rt.netns });
      const health = await new ReloaderClient(rt.reloaderSocket, { queryTimeoutMs: 10_000 }).healthz();
      if (!health.ok) throw new ReloaderError(`FRR not healthy: ${health.reason ?? 'daemons missing'}`);
      return netns;
    } catch (e) {
      if (!(e instanceof NetnsError || e instanceof ReloaderUnavailableError || e instanceof ReloaderError)) throw e;
      this.setState('waiting-frr', e.message);
      this.retrySoon();
      return undefined;
    }
  }

  private async convergeTarget(
    target: LoadedConfig,
    why: Reason[],
    forceFrrReload: boolean,
    netns: RouterNetns,
  ): Promise<void> {
    const log = this.log.child({ reason: why.join(',') });
    const started = performance.now();
    let report: ConvergeReport;
    const checkFrrRunning = this.drift.checkFrrRunning;
    try {
      report = await converge(target.inputs, {
        log,
        netns,
        forceFrrReload,
        checkFrrRunning,
        runner: this.runner,
        l3vniRepairs: this.l3vniRepairs,
        applied: (conflicts) => this.appliedOnce(target, conflicts),
        ...(this.opts.crash ? { crash: this.opts.crash } : {}),
      });
    } catch (e) {
      return this.convergeFailed(target, e, (performance.now() - started) / 1000);
    }
    this.opts.metrics?.reconciled(report.conflicts.length ? 'failure' : 'success', report.durationMs / 1000);
    if (report.reloaded) this.opts.metrics?.frrReload('success');
    this.drift.converged(target, report, checkFrrRunning || forceFrrReload);
    this.frr = { pid: report.netns.pid, inode: report.netns.inode, name: report.netns.name };
    this.last = statusOf(report, target.inputs.files);
    const s = settleConverge(report.conflicts, missingNics(report.conflicts, target.inputs.desired.underlays.length));
    if (!s.promote) {
      this.setState(s.state, s.detail);
      this.retrySoon();
      return;
    }
    this.configs.promote(target);
    if (s.resetBackoff) this.backoff.reset();
    if (forceFrrReload) await this.verifyFrr(target.inputs.config.runtime);
    if (s.error !== undefined) this.noteError(s.error);
    if (s.convergedOnce) this.convergedOnce = true;
    this.setState(s.state, s.detail);
    if (s.retry) this.retrySoon();
    if (s.state === 'converged') this.gate.wake();
  }

  /**
   * A converge has applied `target` to the kernel and FRR. The first time, and when its
   * conflicts would still count it as converged (settleConverge), readiness may open before the
   * pass's verify and L3VNI check: those still decide the state and repair what they find.
   * The pass waits for the gate's look (READY=1 included) before verifying, at most 5 s: on one
   * emulated CPU the verify's processes would otherwise delay READY=1 (the gate's FRR query is
   * bounded on its own).
   */
  private async appliedOnce(target: LoadedConfig, conflicts: readonly string[]): Promise<void> {
    if (this.convergedOnce || this.appliedFirst) return;
    const n = target.inputs.desired.underlays.length;
    if (!settleConverge(conflicts, missingNics(conflicts, n)).convergedOnce) return;
    this.appliedFirst = target;
    this.gate.wake();
    await Promise.race([this.gate.looked, new Promise<void>((r) => this.later(5000, r))]);
  }

  private convergeFailed(target: LoadedConfig, e: unknown, seconds: number): void {
    const message = messageOf(e);
    this.opts.metrics?.reconciled('failure', seconds);
    this.noteError(message);
    this.last = failedStatusOf(message, Math.round(seconds * 1000), target.inputs.files);
    const kind = failureKind(e);
    if (kind === 'frr-refused') this.opts.metrics?.frrReload('failure');
    const next = settleFailure(
      kind,
      { isCandidate: target === this.configs.candidate, source: target.source },
      this.configs.inForce !== undefined,
    );
    switch (next.do) {
      case 'wait-frr':
        this.setState('waiting-frr', message);
        this.retrySoon();
        return;
      case 'refused':
        this.configs.refused(message);
        this.log.error({ err: message }, 'FRR refused the new config: the config in force stays');
        // The refused attempt created its new links (down) before FRR said no: converge the
        // config in force again to take them back. Not retried until the files change again.
        if (next.then === 'rollback') void this.flight.trigger('rollback');
        else if (next.then === 'boot-fallback') void this.bootFallback();
        else this.setState('waiting-config', 'FRR refused the last good config too');
        return;
      case 'degraded':
        this.log.error({ err: message }, 'reconcile failed; retrying');
        this.setState('degraded', message.split('\n')[0]);
        this.retrySoon();
        return;
    }
  }

  /** Boot: FRR refused the config on disk and nothing is in force yet: try last-good.yaml. */
  private async bootFallback(): Promise<void> {
    if (await this.configs.fallBackToLastGood(this.rt)) {
      this.log.error('starting from the last good config (last-good.yaml) instead');
      void this.flight.trigger('retry');
    } else {
      this.setState('waiting-config', 'FRR refused the config and there is no other last good one');
    }
  }

  private async verifyFrr(rt: RuntimeConfig): Promise<void> {
    const h = await new ReloaderClient(rt.reloaderSocket)
      .healthz()
      .catch((e: unknown) => ({ ok: false, reason: messageOf(e) }));
    if (h.ok) this.log.info('FRR config pushed again after its restart; FRR healthy');
    else
      this.log.warn(
        { reason: 'reason' in h ? h.reason : undefined },
        'FRR config pushed again after its restart, but FRR is not healthy',
      );
  }

  // ---- bookkeeping ----------------------------------------------------------------------

  private setState(state: DaemonState, detail?: string): void {
    if (state === this.state && detail === this.detail) return;
    const from = this.state;
    this.state = state;
    this.detail = detail;
    const fields = { from, to: state, ...(detail ? { detail } : {}) };
    if (state === 'converged' || state === 'try-in-progress' || state === 'starting')
      this.log.info(fields, `state: ${state}`);
    else this.log.warn(fields, `state: ${state}`);
  }

  private noteError(message: string): void {
    this.lastError = { at: new Date().toISOString(), message };
  }

  private view(): DaemonView {
    const c = this.configs;
    return {
      state: this.state,
      detail: this.detail,
      ready: this.gate.ready,
      inForce: c.inForce,
      candidate: c.candidate,
      disk: c.disk,
      diskProblem: c.diskProblem,
      lastError: this.lastError,
      last: this.last,
      lastPass: this.lastPass,
      tryPid: this.tryPid,
      startedAt: this.startedAt,
      pid: this.opts.pid,
      driftIntervalMs: this.opts.driftIntervalMs,
      rt: this.rt,
    };
  }

  /** status.json, STATUS= and the metrics after every pass (publish.ts). */
  private publish(): Promise<void> {
    return publish(this.view(), { log: this.log, notifier: this.opts.notifier, metrics: this.opts.metrics });
  }

  private watchPidfile(pidFile: string): void {
    if (this.pidWatch || this.stopping) return;
    this.pidWatch = watchPaths([{ path: pidFile }], (path, event) => {
      this.log.debug({ path, event }, 'FRR pidfile event');
      this.onPidfile();
    });
  }

  private watchPasswordFiles(target: LoadedConfig): void {
    const files = passwordFiles(target.inputs);
    const key = files.join('\n');
    if (key === this.watchedPasswordFiles || this.stopping) return;
    this.watchedPasswordFiles = key;
    const old = this.configWatch;
    this.configWatch = watchPaths(configTargets(this.opts.configPath, files), () => this.onConfigEdit());
    void old?.close();
  }

  private retrySoon(): void {
    if (this.retryTimer || this.stopping) return;
    const ms = this.backoff.next();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flight.trigger('retry');
    }, ms);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopping) fn();
    }, ms);
    this.timers.add(t);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => this.later(ms, r));
  }
}

// `evpn-node run`: get the node onto the fabric without anyone watching, keep it there through
// restarts and edits, and never take it off the network because of a typo.
//
// Every change goes through one single-flight pass (passes never overlap; triggers during one
// merge into the next), so the order of events cannot interleave two reconciles:
//
//   boot ─▶ read config (disk, else last-good.yaml) ─▶ wait for FRR (pidfile → netns, reloader
//   healthz; capped backoff) ─▶ converge ─▶ [converged] ─▶ readiness (underlay Established) ─▶ READY=1
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
// next is decide.ts's (pure); the configs in force, candidate and last-good are
// config-in-force.ts's; READY=1 is readiness-gate.ts's; status.json, STATUS= and the metrics
// are publish.ts's.

import type { Logger } from '../log.js';
import type { RuntimeConfig } from '../config/types.js';
import type { Notifier } from '../systemd/notify.js';
import { converge, failedStatusOf, planNode, statusOf, ConvergeError, type ConvergeReport } from '../reconcile/converge.js';
import type { ReconcileStatus } from '../reconcile/state-files.js';
import { readFrrConf } from '../reconcile/frr-files.js';
import { resolveRouterNetns, NetnsError, type RouterNetns } from '../netns/resolve.js';
import { ReloaderClient, ReloaderError, ReloaderUnavailableError } from '../frr/reload-client.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { SingleFlight } from './single-flight.js';
import { debounce, type Debounced } from './debounce.js';
import { configTargets, watchPaths, type PathWatcher } from './watch.js';
import { readTryFile, removeTryFile } from '../reconcile/try-file.js';
import { busyMessage, takeWriterLock } from '../reconcile/writer-lock.js';
import type { HeldLock } from '../io/lock-file.js';
import { clearTornDown, readTornDown, reloadPending } from '../reconcile/state-files.js';
import type { CrashPoints } from '../model/crash-points.js';
import { missingNics, type DaemonState } from './state.js';
import { NetlinkMonitor } from './netlink-monitor.js';
import { Heartbeat } from './heartbeat.js';
import { processRunner, type Runner } from '../kernel/runner.js';
import { releaseDumps, smallYoungGeneration } from './heap.js';
import { lenientRuntime, passwordFiles, type LoadedConfig } from './config-source.js';
import { ConfigInForce } from './config-in-force.js';
import { decide, frrSeen, settleConverge, settleFailure, type FailureKind, type FrrSeen, type PassFacts, type Reason } from './decide.js';
import { ReadinessGate } from './readiness-gate.js';
import { publish, statusLine, type DaemonView, type LastConverge } from './publish.js';
import type { MetricsExporter } from '../metrics/exporter.js';
import { driftKinds } from '../metrics/drift-kinds.js';

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
  /** How long one ip or sysctl process may run before it is killed (default 60 s; kernel/capture.ts). */
  commandTimeoutMs?: number;
}

/** How long the daemon may keep an overdue try's kill waiting (it is killed with SIGKILL). */
const KILL_WAIT_MS = 5000;

/** How a converge failed, for settleFailure (decide.ts). */
const failureKind = (e: unknown): FailureKind =>
  e instanceof NetnsError || e instanceof ReloaderUnavailableError ? 'frr-unavailable' : e instanceof ConvergeError && e.message.startsWith('FRR refused') ? 'frr-refused' : 'other';

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
  private readonly gate: ReadinessGate;
  private tryPid: number | undefined;
  private tryPollPending = false;
  private lock: HeldLock | undefined;
  private lockWait: string | undefined;
  private lastPass: ReconcileStatus['lastPass'];
  /** When FRR's running config was last compared with frr.conf (0: never). */
  private frrCheckedAt = 0;
  /** The frr.conf text FRR could not be brought in line with by a reload (see converge's frrApart). */
  private frrStuck: string | undefined;

  private stopping = false;
  private timers = new Set<NodeJS.Timeout>();
  private retryTimer: NodeJS.Timeout | undefined;
  private driftTimer: NodeJS.Timeout | undefined;
  private configWatch: PathWatcher | undefined;
  private pidWatch: PathWatcher | undefined;
  private watchedPasswordFiles = '';
  private readonly onConfigEdit: Debounced;
  private readonly onPidfile: Debounced;
  private readonly netlink: NetlinkMonitor;
  private driftQuiet = false;
  /** Is the work loop alive: the watchdog pings only while it says so. */
  private readonly heartbeat: Heartbeat;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private lastPingAt = 0;
  private stuckLogged = false;
  /** Every ip and sysctl process of a pass: bounded in time, and each one finished is progress. */
  private readonly runner: Runner;
  /** Full observes started so far (drift checks and converges). */
  private looks = 0;
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
      convergedOnce: () => this.convergedOnce,
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
    this.netlink = new NetlinkMonitor({ backstopMs: opts.driftBackstopMs ?? 600_000 });
    // A pass silent for a whole watchdog interval is stuck: longer than any one of its steps may
    // take, each being bounded on its own (heartbeat.ts says why that is the threshold).
    this.heartbeat = new Heartbeat(opts.watchdogMs ?? Infinity);
    const inner = processRunner(opts.commandTimeoutMs !== undefined ? { timeoutMs: opts.commandTimeoutMs } : {});
    const progress = <T>(p: Promise<T>): Promise<T> => p.finally(() => this.heartbeat.progress());
    this.runner = { ip: (...a) => progress(inner.ip(...a)), exec: (...a) => progress(inner.exec(...a)) };
  }

  async start(): Promise<void> {
    smallYoungGeneration();
    this.log.info({ configPath: this.opts.configPath, driftIntervalMs: this.opts.driftIntervalMs, debounceMs: this.opts.debounceMs }, 'evpn-node daemon starting');
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
      this.log.info({ watchdogMs: this.opts.watchdogMs }, 'systemd watchdog on: WATCHDOG=1 while the reconcile loop is alive');
      this.watchdogTimer = setInterval(() => void this.pingWatchdog(), Math.max(250, Math.floor(this.opts.watchdogMs / 4)));
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
    await Promise.all([this.configWatch?.close(), this.pidWatch?.close(), this.netlink.stop(), this.opts.metrics?.stop()]);
    await this.lock?.release().catch((e: Error) => this.log.warn({ err: e.message }, 'cannot release the writer lock'));
    this.log.info('stopped');
    this.resolveDone();
    return this.done;
  }

  // ---- one pass -------------------------------------------------------------------------

  /** A pass never throws: whatever fails is logged, reported, and retried with backoff. */
  private async guardedPass(reasons: ReadonlySet<Reason>): Promise<void> {
    const looks = this.looks;
    const startedAt = new Date().toISOString();
    this.heartbeat.passStarted();
    try {
      await this.pass(reasons);
      if (this.looks !== looks) releaseDumps();
      this.lastPass = { startedAt, endedAt: new Date().toISOString(), reasons: [...reasons] };
      await this.publish();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
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
        this.log.error({ silentMs: this.heartbeat.silentForMs(), watchdogMs: interval }, 'reconcile pass stuck: no progress for longer than the watchdog interval; no more WATCHDOG=1, systemd will restart the controller');
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
    for (;;) {
      const step = decide({ reasons: why, ...this.holding(), ...found });
      switch (step.do) {
        case 'take-lock':
          found.lockHeld = await this.holdLock();
          break;
        case 'check-torn-down':
          found.tornDown = await this.tornDown();
          break;
        case 'check-try':
          found.tryActive = !(await this.checkTry());
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
        case 'find-frr':
          found.frr = await this.findFrr(this.target());
          break;
        case 'check-frr':
          found.frrOff = await this.checkFrr(this.target());
          break;
        case 'ask-netlink':
          found.kernelQuiet = this.kernelQuiet();
          break;
        case 'look-kernel':
          this.lookingAtKernel();
          found.kernelDrifted = await this.kernelDrifted(this.target());
          break;
        case 'converge':
          this.lookingAtKernel();
          await this.convergeTarget(this.target(), why, step.pushFrr);
          return;
        case 'done':
          return;
      }
    }
  }

  /** What decide() needs of the daemon's own state, read afresh before each step. */
  private holding(): Pick<PassFacts, 'state' | 'inForce' | 'candidate' | 'identityPending'> {
    return { state: this.state, inForce: this.configs.inForce !== undefined, candidate: this.configs.candidate !== undefined, identityPending: this.configs.identityProblem !== undefined };
  }

  /** The config this pass works on; decide() asks for no step that needs one before there is one. */
  private target(): LoadedConfig {
    const t = this.configs.target;
    if (!t) throw new Error('internal: a pass step needs a config and there is none');
    return t;
  }

  /** Watch what the target names, then FRR's netns and reloader: how FRR changed since the last converge. */
  private async findFrr(target: LoadedConfig): Promise<FrrSeen | 'absent'> {
    this.rt = target.inputs.config.runtime;
    this.watchPidfile(this.rt.pidFile);
    this.watchPasswordFiles(target);
    const netns = await this.waitForFrr(this.rt);
    if (!netns) return 'absent';
    const seen = frrSeen(this.frr, netns);
    if (seen === 'restarted') this.log.warn({ oldPid: this.frr?.pid, pid: netns.pid }, 'FRR restarted in the same netns: pushing its config again');
    if (seen === 'new-netns') this.log.warn({ oldInode: this.frr?.inode, inode: netns.inode, netns: netns.name }, 'FRR runs in a new netns (router pod recreated): plumbing it from scratch');
    if (!this.stopping) await this.netlink.follow({ name: netns.name, inode: netns.inode });
    return seen;
  }

  /** frrOff, said as drift when FRR is off. */
  private async checkFrr(target: LoadedConfig): Promise<false | { push: boolean }> {
    const off = await this.frrOff(target);
    if (!off) return false;
    this.log.warn(`drift: ${off.why}`);
    this.opts.metrics?.driftRepaired(driftKinds([], true));
    return { push: off.push };
  }

  /** The netlink monitors' verdict for a quiet drift tick: true when the kernel need not be observed. */
  private kernelQuiet(): boolean {
    const v = this.netlink.verdict();
    if (!v.look) {
      // Said once per quiet stretch, not every tick.
      if (!this.driftQuiet) this.log.info({ why: v.why }, 'drift ticks: kernel quiet, not observing it until a netlink event (or the backstop)');
      this.driftQuiet = true;
      return true;
    }
    this.log.info({ why: v.why }, 'drift tick: observing the kernel');
    return false;
  }

  /**
   * Whether FRR may not run the rendered config, cheapest first: frr.conf compared (one read),
   * a reload that did not finish (one stat: frr-reload-pending), and — once per frrCheckMs, not
   * every tick — FRR's running config itself (`frr-reload.py --test` through the reloader: a
   * few hundred ms of FRR's CPU, not the daemon's; 10 min apart). `push`: reload even though
   * the file is right.
   */
  private async frrOff(target: LoadedConfig): Promise<{ why: string; push: boolean } | undefined> {
    const rt = target.inputs.config.runtime;
    if ((await readFrrConf(rt.frrConfigDir)) !== target.inputs.frrConf) return { why: `frr.conf in ${rt.frrConfigDir} differs from the rendered config`, push: false };
    if (await reloadPending(rt)) return { why: 'a reload of frr.conf did not finish (frr-reload-pending): FRR may not run the file', push: false };
    if (Date.now() - this.frrCheckedAt < (this.opts.frrCheckMs ?? 600_000) || this.frrStuck === target.inputs.frrConf) return undefined;
    this.frrCheckedAt = Date.now();
    const d = await new ReloaderClient(rt.reloaderSocket).diff().catch((e: Error) => ({ ok: false as const, output: e.message }));
    if (!d.ok) {
      this.log.warn({ output: d.output.slice(-2000) }, 'cannot tell whether FRR runs frr.conf (frr-reload.py --test failed)');
      return undefined;
    }
    if (d.inSync) return undefined;
    const lines = [...d.delete.map((l) => `- ${l}`), ...d.add.map((l) => `+ ${l}`)];
    return { why: `FRR runs something other than frr.conf (${lines.length} line(s) apart, first: ${lines[0] ?? '?'})`, push: true };
  }

  /**
   * The writer lock, taken at the first pass and kept: false (and a retry) while another
   * writer has it — a one-shot `apply`/`teardown` finishing, or a try started without a daemon
   * (whose deadline takeWriterLock enforces).
   */
  private async holdLock(): Promise<boolean> {
    if (this.lock) return true;
    const rt = this.rt ?? (await lenientRuntime(this.opts.configPath));
    const w = await takeWriterLock(rt, { pid: this.opts.pid, command: 'run', log: this.log });
    if (w.kind === 'held') {
      this.lock = w.lock;
      this.lockWait = undefined;
      if (await readTornDown(rt)) {
        this.log.warn('a teardown had asked the previous daemon to stand aside (torn-down): starting brings the node up again');
        await clearTornDown(rt);
      }
      return true;
    }
    const message = busyMessage(w, rt);
    if (message !== this.lockWait) this.log.warn({ holder: w.holder }, `${message}: waiting for it before changing anything`);
    this.lockWait = message;
    if (w.holder.command === 'try') {
      this.tryPid = w.holder.pid;
      this.setState('try-in-progress');
    } else this.setState('waiting-lock', message);
    this.pollAgain();
    return false;
  }

  /** A `teardown --force` ran next to us: stand aside until `apply` clears the mark. */
  private async tornDown(): Promise<boolean> {
    const rt = this.rt ?? (await lenientRuntime(this.opts.configPath));
    const mark = await readTornDown(rt);
    if (mark === undefined) return false;
    if (this.state !== 'torn-down') this.log.warn({ mark: mark.trim() }, 'torn down by `evpn-node teardown`: making no changes until `evpn-node apply` (or a restart)');
    this.setState('torn-down', '`evpn-node apply` brings the node back');
    return true;
  }

  /** False while a try owns the config; removes a try.json whose process died. */
  private async checkTry(): Promise<boolean> {
    const rt = this.rt ?? (await lenientRuntime(this.opts.configPath));
    const t = await readTryFile(rt);
    if (t.state === 'active') {
      if (this.state !== 'try-in-progress') this.log.info({ tryPid: t.file.pid, deadline: t.file.deadline }, 'try in progress: making no changes until it ends');
      this.tryPid = t.file.pid;
      this.setState('try-in-progress');
      this.pollAgain();
      return false;
    }
    // Whoever survives enforces the deadline: the try cannot (stopped, hung), so we do.
    if (t.state === 'expired') {
      this.log.error({ tryPid: t.file.pid, deadline: t.file.deadline }, `${t.why}: killing it and rolling back (applying the files on disk)`);
      try {
        process.kill(t.file.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
      for (let waited = 0; waited < KILL_WAIT_MS && (await readTryFile(rt)).state === 'expired'; waited += 100) await this.sleep(100);
      await removeTryFile(rt);
      return true;
    }
    // A try.json whose process is gone means `try` died before deciding: the files on disk are
    // the rollback (`try` installs its candidate into config.yaml only on confirmation).
    if (t.state === 'stale') {
      this.log.warn({ why: t.why }, 'try ended without a decision: removing try.json and applying the files on disk');
      await removeTryFile(rt);
    } else if (this.state === 'try-in-progress') {
      this.log.info('try ended: applying the files on disk');
    }
    return true;
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

  /** Right before a full observe: netlink events from now on count for the next drift tick. */
  private lookingAtKernel(): void {
    this.looks++;
    this.netlink.looking();
    this.driftQuiet = false;
  }

  /** The kernel drift check: one observe per netns; true when converge is needed. */
  private async kernelDrifted(target: LoadedConfig): Promise<boolean> {
    const { plan } = await planNode(target.inputs, { runner: this.runner });
    if (plan.ops.length) this.opts.metrics?.driftRepaired(driftKinds(plan.ops, false));
    for (const op of plan.ops) this.log.warn({ ns: op.ns }, `drift: ${op.why}`);
    return plan.ops.length > 0;
  }

  private async convergeTarget(target: LoadedConfig, why: Reason[], forceFrrReload: boolean): Promise<void> {
    const log = this.log.child({ reason: why.join(',') });
    const started = performance.now();
    let report: ConvergeReport;
    // At start, FRR's running config is checked against the file once (a reload killed at the
    // wrong moment by a previous controller); later on, frrOff's drift-tick check does it.
    const checkFrrRunning = this.frrCheckedAt === 0;
    try {
      report = await converge(target.inputs, { log, forceFrrReload, checkFrrRunning, runner: this.runner, ...(this.opts.crash ? { crash: this.opts.crash } : {}) });
    } catch (e) {
      return this.convergeFailed(target, e, (performance.now() - started) / 1000);
    }
    this.opts.metrics?.reconciled(report.conflicts.length ? 'failure' : 'success', report.durationMs / 1000);
    if (report.reloaded) this.opts.metrics?.frrReload('success');
    if (checkFrrRunning || forceFrrReload) this.frrCheckedAt = Date.now();
    // A push that did not bring FRR in line would not the next time either: not every 10 min.
    this.frrStuck = report.frrApart ? target.inputs.frrConf : undefined;
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

  private convergeFailed(target: LoadedConfig, e: unknown, seconds: number): void {
    const message = (e as Error).message;
    this.opts.metrics?.reconciled('failure', seconds);
    this.noteError(message);
    this.last = failedStatusOf(message, 0, target.inputs.files);
    const kind = failureKind(e);
    if (kind === 'frr-refused') this.opts.metrics?.frrReload('failure');
    const next = settleFailure(kind, { isCandidate: target === this.configs.candidate, source: target.source }, this.configs.inForce !== undefined);
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
    const h = await new ReloaderClient(rt.reloaderSocket).healthz().catch((e: Error) => ({ ok: false, reason: e.message }));
    if (h.ok) this.log.info('FRR config pushed again after its restart; FRR healthy');
    else this.log.warn({ reason: 'reason' in h ? h.reason : undefined }, 'FRR config pushed again after its restart, but FRR is not healthy');
  }

  // ---- bookkeeping ----------------------------------------------------------------------

  private setState(state: DaemonState, detail?: string): void {
    if (state === this.state && detail === this.detail) return;
    const from = this.state;
    this.state = state;
    this.detail = detail;
    const fields = { from, to: state, ...(detail ? { detail } : {}) };
    if (state === 'converged' || state === 'try-in-progress' || state === 'starting') this.log.info(fields, `state: ${state}`);
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

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

import type { Logger } from '../log.js';
import type { RuntimeConfig } from '../config/types.js';
import { formatIssue } from '../config/errors.js';
import type { Notifier } from '../systemd/notify.js';
import { converge, planNode, statusOf, ConvergeError, type ConvergeReport } from '../reconcile/converge.js';
import { writeStatus, type ReconcileStatus } from '../reconcile/state-files.js';
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
import { checkUnderlay } from './readiness.js';
import { missingNics, statusText, type DaemonState } from './state.js';
import { NetlinkMonitor } from './netlink-monitor.js';
import { Heartbeat } from './heartbeat.js';
import { processRunner, type Runner } from '../kernel/runner.js';
import { releaseDumps, smallYoungGeneration } from './heap.js';
import { lenientRuntime, passwordFiles, readDiskConfig, readLastGoodConfig, type DiskRead, type LoadedConfig } from './config-source.js';
import type { MetricsExporter, MetricsFacts } from '../metrics/exporter.js';
import { driftKinds } from '../metrics/drift-kinds.js';
import { expectedVnis } from '../metrics/frr-state.js';

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

/** Why a pass runs. Only drift and pidfile alone allow the cheap path. */
type Reason = 'boot' | 'config' | 'sighup' | 'pidfile' | 'drift' | 'retry' | 'rollback' | 'try-ended';

type LastConverge = Pick<ReconcileStatus, 'at' | 'ok' | 'durationMs' | 'kernelOps' | 'frrReloaded' | 'conflicts' | 'error' | 'configFiles'>;

/** How long the daemon may keep an overdue try's kill waiting (it is killed with SIGKILL). */
const KILL_WAIT_MS = 5000;

export class Daemon {
  private readonly log: Logger;
  private readonly flight = new SingleFlight<Reason>((r) => this.guardedPass(r));
  private readonly backoff: Backoff;
  private readonly startedAt = Date.now();

  private state: DaemonState = 'starting';
  private detail: string | undefined;
  private rt: RuntimeConfig | undefined;
  /** The config the kernel and FRR run now. */
  private inForce: LoadedConfig | undefined;
  /** A config read from disk that has not converged yet. */
  private candidate: LoadedConfig | undefined;
  private disk: ReconcileStatus['configOnDisk'];
  private diskProblem: string | undefined;
  /** node.indexFrom of the config on disk cannot be resolved on this node yet: why. */
  private identityProblem: string | undefined;
  private lastError: ReconcileStatus['lastError'];
  private last: LastConverge | undefined;
  private frr: Pick<RouterNetns, 'pid' | 'inode' | 'name'> | undefined;
  private convergedOnce = false;
  private ready = false;
  /** The readiness loop has seen an underlay session Established (during or after the first converge). */
  private underlayUpSeen = false;
  /** Ends the readiness loop's wait at once: a converge just finished. */
  private wakeReadiness: (() => void) | undefined;
  private underlayTimeoutLogged = false;
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
    void this.readinessLoop();
  }

  /** SIGHUP: re-read the config and reconcile now, framed by RELOADING=1 … READY=1 once ready. */
  async reload(): Promise<void> {
    if (this.stopping) return;
    this.log.info('SIGHUP: re-reading the config');
    const wasReady = this.ready;
    if (wasReady) await this.opts.notifier.reloading('reloading the configuration');
    await this.flight.trigger('sighup');
    if (wasReady && !this.stopping) await this.opts.notifier.ready(this.statusLine());
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

  private async pass(reasons: ReadonlySet<Reason>): Promise<void> {
    if (this.stopping) return;
    const why = [...reasons];
    if (!(await this.holdLock())) return;
    if (await this.tornDown()) return;
    if (!(await this.checkTry())) return;
    const tryEnded = this.state === 'try-in-progress';
    const reread = tryEnded || reasons.has('boot') || reasons.has('config') || reasons.has('sighup') || reasons.has('try-ended') || (!this.inForce && !this.candidate) || this.identityProblem !== undefined;
    if (reread) await this.readConfig();
    // An edit that changes nothing in force (invalid, or the same config again) is reported
    // by readConfig and costs no reconcile.
    if (!this.candidate && this.inForce && why.every((r) => r === 'config') && this.state === 'converged') return;
    if (this.identityProblem !== undefined) {
      // The config is fine but this node cannot tell which node it is yet (its interface has
      // no address, no hostname): waited for like a missing NIC, and read again with backoff.
      // With a config in force (an edit), that one stays and the problem is the disk's.
      this.retrySoon();
      if (!this.inForce) {
        this.setState('waiting-identity', this.identityProblem);
        return;
      }
      this.diskProblem = `cannot derive the node index: ${this.identityProblem}`;
    }
    const target = this.candidate ?? this.inForce;
    if (!target) {
      this.setState('waiting-config', this.diskProblem ?? 'no config');
      return;
    }
    this.rt = target.inputs.config.runtime;
    this.watchPidfile(this.rt.pidFile);
    this.watchPasswordFiles(target);

    const netns = await this.waitForFrr(this.rt);
    if (!netns) return;
    const frrRestarted = this.frr !== undefined && this.frr.inode === netns.inode && this.frr.pid !== netns.pid;
    const netnsChanged = this.frr !== undefined && this.frr.inode !== netns.inode;
    if (frrRestarted) this.log.warn({ oldPid: this.frr?.pid, pid: netns.pid }, 'FRR restarted in the same netns: pushing its config again');
    if (netnsChanged) this.log.warn({ oldInode: this.frr?.inode, inode: netns.inode, netns: netns.name }, 'FRR runs in a new netns (router pod recreated): plumbing it from scratch');

    if (!this.stopping) await this.netlink.follow({ name: netns.name, inode: netns.inode });

    // Same config as in force: look before writing, so a repair is logged as the drift it is,
    // and a quiet tick costs no kernel observe when no netlink event since the last look can
    // have changed the plan. FRR is looked at first, cheaply (see frrOff).
    let pushFrr = frrRestarted;
    if (target === this.inForce && !frrRestarted && !netnsChanged) {
      const quiet = why.every((r) => r === 'drift' || r === 'pidfile' || r === 'retry');
      const frrOff = await this.frrOff(target);
      if (frrOff) {
        this.log.warn(`drift: ${frrOff.why}`);
        this.opts.metrics?.driftRepaired(driftKinds([], true));
        pushFrr = frrOff.push;
      } else {
        if (quiet && this.state === 'converged' && why.every((r) => r === 'drift')) {
          const v = this.netlink.verdict();
          if (!v.look) {
            // Said once per quiet stretch, not every tick.
            if (!this.driftQuiet) this.log.info({ why: v.why }, 'drift ticks: kernel quiet, not observing it until a netlink event (or the backstop)');
            this.driftQuiet = true;
            return;
          }
          this.log.info({ why: v.why }, 'drift tick: observing the kernel');
        }
        this.lookingAtKernel();
        const drifted = await this.kernelDrifted(target);
        if (!drifted && quiet && this.state === 'converged') return;
      }
    }
    this.lookingAtKernel();
    await this.convergeTarget(target, why, pushFrr);
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

  /** Re-read the files; a valid config that differs from the one in force becomes the candidate. */
  private async readConfig(): Promise<void> {
    const r = await readDiskConfig(this.opts.configPath);
    const wasProblem = this.identityProblem;
    this.identityProblem = r.ok ? undefined : r.identityProblem;
    if (!r.ok && r.identityProblem !== undefined) {
      this.candidate = undefined;
      this.disk = { files: r.files, sha256: r.sha256, valid: true, error: r.firstError };
      // Where status.json goes, before any config is in force.
      this.rt ??= await lenientRuntime(this.opts.configPath);
      if (r.identityProblem !== wasProblem) this.log.warn({ why: r.identityProblem }, `cannot derive the node index from node.indexFrom yet: ${r.identityProblem}; waiting${this.inForce ? ' (the config in force stays)' : ''}`);
      return;
    }
    if (wasProblem !== undefined && r.ok) this.log.info('node index derived from node.indexFrom');
    this.noteDisk(r);
    if (r.ok) {
      for (const w of r.loaded.inputs.warnings) this.log.warn({ file: w.file, line: w.line, col: w.col }, formatIssue(w));
      const same = this.inForce !== undefined && this.inForce.sha256 === r.loaded.sha256 && this.inForce.inputs.frrConf === r.loaded.inputs.frrConf;
      if (same) {
        // The same config (e.g. the file fixed back to what last-good held): now from disk.
        this.inForce = r.loaded;
        this.candidate = undefined;
      } else {
        this.candidate = r.loaded;
        if (this.inForce) this.log.info({ sha256: r.loaded.sha256.slice(0, 12) }, 'config changed on disk');
      }
      return;
    }
    for (const i of r.errors) this.log.error({ file: i.file, line: i.line, col: i.col }, formatIssue(i));
    this.candidate = undefined;
    if (this.inForce) {
      this.log.error({ firstError: r.firstError }, 'the config on disk is invalid: the config in force stays (kernel and FRR untouched)');
      return;
    }
    const rt = await lenientRuntime(this.opts.configPath);
    const lg = await readLastGoodConfig(rt);
    if (lg?.ok) {
      this.candidate = lg.loaded;
      this.log.error({ firstError: r.firstError, lastGood: lg.loaded.inputs.files[0] }, 'the config on disk is invalid: starting from the last good config (last-good.yaml) instead');
    } else {
      this.rt = rt;
      this.log.error({ firstError: r.firstError, lastGood: lg ? lg.firstError : 'none' }, 'the config on disk is invalid and there is no usable last-good.yaml: waiting for a valid edit');
    }
  }

  private noteDisk(r: DiskRead): void {
    if (r.ok) {
      this.disk = { files: r.loaded.inputs.files, sha256: r.loaded.sha256, valid: true };
      this.diskProblem = undefined;
    } else {
      this.disk = { files: r.files, sha256: r.sha256, valid: false, error: r.firstError };
      this.diskProblem = r.firstError;
      this.noteError(r.firstError);
    }
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
    const { missing, verdict } = missingNics(report.conflicts, target.inputs.desired.underlays.length);
    if (verdict === 'all') {
      // No underlay NIC at all (slow driver at boot): waited for; the candidate stays the candidate.
      this.setState('waiting-nic', missing[0]);
      this.retrySoon();
      return;
    }
    this.inForce = target;
    this.candidate = undefined;
    // A NIC still missing keeps the backoff growing: a dead port is looked for every 10 s, not in a loop.
    if (verdict === 'none') this.backoff.reset();
    if (forceFrrReload) await this.verifyFrr(target.inputs.config.runtime);
    if (report.conflicts.length) {
      this.noteError(report.conflicts[0] ?? '');
      this.setState('degraded', `${report.conflicts.length} conflict(s): ${report.conflicts[0]}`);
      if (verdict === 'some') {
        // Some NICs are there and plumbed: the node runs on those ToRs (readiness may pass)
        // while the missing ones are looked for again.
        if (missing.length === report.conflicts.length) this.convergedOnce = true;
        this.retrySoon();
      }
      return;
    }
    this.convergedOnce = true;
    this.setState('converged');
    this.wakeReadiness?.();
  }

  private convergeFailed(target: LoadedConfig, e: unknown, seconds: number): void {
    const message = (e as Error).message;
    this.opts.metrics?.reconciled('failure', seconds);
    this.noteError(message);
    this.last = { at: new Date().toISOString(), ok: false, durationMs: 0, kernelOps: 0, frrReloaded: false, conflicts: [], error: message, configFiles: target.inputs.files };
    if (e instanceof NetnsError || e instanceof ReloaderUnavailableError) {
      this.setState('waiting-frr', message);
      this.retrySoon();
      return;
    }
    const refused = e instanceof ConvergeError && message.startsWith('FRR refused');
    if (refused) this.opts.metrics?.frrReload('failure');
    if (refused && target === this.candidate) {
      this.candidate = undefined;
      this.diskProblem = message.split('\n')[0];
      if (this.disk) this.disk = { ...this.disk, error: message };
      this.log.error({ err: message }, 'FRR refused the new config: the config in force stays');
      if (this.inForce) {
        // The refused attempt created its new links (down) before FRR said no: converge the
        // config in force again to take them back. Not retried until the files change again.
        void this.flight.trigger('rollback');
      } else if (target.source === 'disk') {
        void this.bootFallback();
      } else {
        this.setState('waiting-config', 'FRR refused the last good config too');
      }
      return;
    }
    this.log.error({ err: message }, 'reconcile failed; retrying');
    this.setState('degraded', message.split('\n')[0]);
    this.retrySoon();
  }

  /** Boot: FRR refused the config on disk and nothing is in force yet: try last-good.yaml. */
  private async bootFallback(): Promise<void> {
    const lg = this.rt ? await readLastGoodConfig(this.rt) : undefined;
    if (lg?.ok && lg.loaded.sha256 !== this.disk?.sha256) {
      this.log.error('starting from the last good config (last-good.yaml) instead');
      this.candidate = lg.loaded;
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

  // ---- readiness ------------------------------------------------------------------------

  /** READY=1 once converged and (when configured) an underlay session is Established. */
  private async readinessLoop(): Promise<void> {
    // Every poll asks FRR (two vtysh runs in the reloader), every 500 ms. FRR is asked while the
    // first converge still runs too: the session usually comes up during it, right after FRR
    // gets its config, and READY=1 then follows the converge at once instead of a poll later
    // (the lab holds READY=1 to < 2 s after the first Established session, on an emulated CPU).
    const poll = this.opts.readinessPollMs ?? 500;
    let lastStatusAt = 0;
    while (!this.stopping && !this.ready) {
      const target = this.inForce ?? this.candidate;
      if (target?.inputs.config.readiness.underlayEstablished && !this.underlayUpSeen) {
        this.underlayUpSeen = await checkUnderlay(new ReloaderClient(target.inputs.config.runtime.reloaderSocket, { queryTimeoutMs: 10_000 }));
        if (this.stopping) return;
      }
      if (this.convergedOnce && this.inForce) {
        const rd = this.inForce.inputs.config.readiness;
        if (!rd.underlayEstablished || this.underlayUpSeen) {
          this.ready = true;
          this.log.info({ afterSeconds: Math.round((Date.now() - this.startedAt) / 1000), underlayEstablished: rd.underlayEstablished }, 'ready');
          await this.opts.notifier.ready(this.statusLine());
          await this.publish();
          return;
        }
        const waited = Math.round((Date.now() - this.startedAt) / 1000);
        if (waited >= rd.timeoutSeconds && !this.underlayTimeoutLogged) {
          this.underlayTimeoutLogged = true;
          this.noteError(`no underlay BGP session Established after ${rd.timeoutSeconds} s`);
          this.log.error({ timeoutSeconds: rd.timeoutSeconds }, 'no underlay BGP session Established within readiness.timeoutSeconds: still not READY, still trying (kubelet keeps waiting: a node without its fabric is no use to it)');
        }
        if (Date.now() - lastStatusAt >= 10_000) {
          lastStatusAt = Date.now();
          await this.publish();
        }
      }
      await new Promise<void>((r) => {
        this.wakeReadiness = r;
        this.later(poll, r);
      });
      this.wakeReadiness = undefined;
    }
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

  private statusLine(): string {
    const rd = this.inForce?.inputs.config.readiness;
    return statusText({
      state: this.state,
      ...(this.detail !== undefined ? { detail: this.detail } : {}),
      ...(this.diskProblem !== undefined ? { diskProblem: this.diskProblem } : {}),
      ...(this.inForce ? { source: this.inForce.source } : {}),
      ready: this.ready,
      ...(rd?.underlayEstablished && !this.ready ? { waitingUnderlaySeconds: Math.round((Date.now() - this.startedAt) / 1000) } : {}),
      ...(this.tryPid !== undefined ? { tryPid: this.tryPid } : {}),
    });
  }

  /** status.json, STATUS= and the metrics after every pass. */
  private async publish(): Promise<void> {
    this.opts.metrics?.update(this.metricsFacts());
    await this.opts.notifier.status(this.statusLine());
    const rt = this.rt;
    if (!rt) return;
    const last = this.last ?? { at: new Date().toISOString(), ok: false, durationMs: 0, kernelOps: 0, frrReloaded: false, conflicts: [], configFiles: [] };
    const status: ReconcileStatus = {
      ...last,
      // Torn down: whatever the last converge said, the node is not converged now.
      ...(this.state === 'torn-down' ? { ok: false, error: 'torn down by `evpn-node teardown`; `evpn-node apply` brings the node back' } : {}),
      state: this.state,
      ready: this.ready,
      ...(this.inForce ? { configInForce: { files: this.inForce.inputs.files, sha256: this.inForce.sha256, source: this.inForce.source } } : {}),
      ...(this.disk ? { configOnDisk: this.disk } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(this.lastPass ? { lastPass: this.lastPass } : {}),
      daemonPid: this.opts.pid,
      updatedAt: new Date().toISOString(),
      driftIntervalMs: this.opts.driftIntervalMs,
    };
    await writeStatus(rt, status).catch((e: Error) => this.log.warn({ err: e.message }, 'cannot write status.json'));
  }

  private metricsFacts(): MetricsFacts {
    const c = (this.inForce ?? this.candidate)?.inputs.config;
    return {
      metrics: c?.metrics,
      reloaderSocket: c?.runtime.reloaderSocket ?? this.rt?.reloaderSocket,
      converged: this.state === 'converged',
      readySent: this.ready,
      underlayRequired: c?.readiness.underlayEstablished ?? true,
      configApplied: this.inForce !== undefined && this.disk?.valid === true && this.disk.sha256 === this.inForce.sha256,
      vnis: c ? expectedVnis(c) : [],
      bfd: c?.underlay.neighbors.some((n) => n.bfd !== undefined) ?? false,
    };
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

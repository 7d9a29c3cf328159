// What the daemon tells the world after every pass: status.json (it is that file's only writer
// while it runs), STATUS= for systemd, and the metrics' facts. Built from one view of the
// daemon by pure functions; publish() is the only IO.

import type { Logger } from '../log.js';
import type { RuntimeConfig } from '../config/types.js';
import type { Notifier } from '../systemd/notify.js';
import { writeStatus, type ReconcileStatus } from '../reconcile/state-files.js';
import type { MetricsExporter, MetricsFacts } from '../metrics/exporter.js';
import { expectedVnis } from '../metrics/frr-state.js';
import { statusText, type DaemonState } from './state.js';
import type { LoadedConfig } from './config-source.js';
import { messageOf } from '../errors.js';

export type LastConverge = Pick<
  ReconcileStatus,
  'at' | 'ok' | 'durationMs' | 'kernelOps' | 'frrReloaded' | 'conflicts' | 'error' | 'configFiles'
>;

export interface DaemonView {
  state: DaemonState;
  detail: string | undefined;
  ready: boolean;
  inForce: LoadedConfig | undefined;
  candidate: LoadedConfig | undefined;
  disk: ReconcileStatus['configOnDisk'];
  diskProblem: string | undefined;
  lastError: ReconcileStatus['lastError'];
  last: LastConverge | undefined;
  lastPass: ReconcileStatus['lastPass'];
  tryPid: number | undefined;
  /** Epoch ms the daemon started: readiness counts from it. */
  startedAt: number;
  pid: number;
  driftIntervalMs: number;
  /** Where status.json goes (undefined: nowhere yet) and whose reloader to ask for metrics. */
  rt: RuntimeConfig | undefined;
}

/** One short line for STATUS= and `systemctl status`. */
export function statusLine(v: DaemonView, now: number): string {
  const rd = v.inForce?.inputs.config.readiness;
  return statusText({
    state: v.state,
    ...(v.detail !== undefined ? { detail: v.detail } : {}),
    ...(v.diskProblem !== undefined ? { diskProblem: v.diskProblem } : {}),
    ...(v.inForce ? { source: v.inForce.source } : {}),
    ready: v.ready,
    ...(rd?.underlayEstablished && !v.ready ? { waitingUnderlaySeconds: Math.round((now - v.startedAt) / 1000) } : {}),
    ...(v.tryPid !== undefined ? { tryPid: v.tryPid } : {}),
  });
}

/** status.json: the last converge, and the daemon's own fields on top. */
export function statusRecord(v: DaemonView, now: Date): ReconcileStatus {
  const last = v.last ?? {
    at: now.toISOString(),
    ok: false,
    durationMs: 0,
    kernelOps: 0,
    frrReloaded: false,
    conflicts: [],
    configFiles: [],
  };
  return {
    ...last,
    // Torn down: whatever the last converge said, the node is not converged now.
    ...(v.state === 'torn-down'
      ? { ok: false, error: 'torn down by `evpn-node teardown`; `evpn-node apply` brings the node back' }
      : {}),
    state: v.state,
    ready: v.ready,
    ...(v.inForce
      ? { configInForce: { files: v.inForce.inputs.files, sha256: v.inForce.sha256, source: v.inForce.source } }
      : {}),
    ...(v.disk ? { configOnDisk: v.disk } : {}),
    ...(v.lastError ? { lastError: v.lastError } : {}),
    ...(v.lastPass ? { lastPass: v.lastPass } : {}),
    daemonPid: v.pid,
    updatedAt: now.toISOString(),
    driftIntervalMs: v.driftIntervalMs,
  };
}

export function metricsFacts(v: DaemonView): MetricsFacts {
  const c = (v.inForce ?? v.candidate)?.inputs.config;
  return {
    metrics: c?.metrics,
    reloaderSocket: c?.runtime.reloaderSocket ?? v.rt?.reloaderSocket,
    converged: v.state === 'converged',
    readySent: v.ready,
    underlayRequired: c?.readiness.underlayEstablished ?? true,
    configApplied: v.inForce !== undefined && v.disk?.valid === true && v.disk.sha256 === v.inForce.sha256,
    vnis: c ? expectedVnis(c) : [],
    bfd: c?.underlay.neighbors.some((n) => n.bfd !== undefined) ?? false,
  };
}

export interface PublishDeps {
  log: Logger;
  notifier: Notifier;
  metrics?: Pick<MetricsExporter, 'update'> | undefined;
}

/** status.json, STATUS= and the metrics; a status.json that cannot be written is logged, not thrown. */
export async function publish(v: DaemonView, deps: PublishDeps): Promise<void> {
  deps.metrics?.update(metricsFacts(v));
  await deps.notifier.status(statusLine(v, Date.now()));
  if (!v.rt) return;
  await writeStatus(v.rt, statusRecord(v, new Date())).catch((e: unknown) =>
    deps.log.warn({ err: messageOf(e) }, 'cannot write status.json'),
  );
}

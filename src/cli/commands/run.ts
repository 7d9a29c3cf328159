// `evpn-node run`: the controller container's entry point. Thin: flags and process globals
// (NOTIFY_SOCKET, signals) here, the loop in src/daemon/daemon.ts (its decisions: decide.ts).
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { Daemon } from '../../daemon/daemon.js';
import { watchdogFromEnv } from '../../daemon/heartbeat.js';
import { SystemdNotify } from '../../systemd/notify.js';
import { MetricsExporter } from '../../metrics/exporter.js';
import { buildInfo } from '../../version.js';
import { messageOf } from '../../errors.js';

export interface RunOptions {
  driftInterval: string;
  debounce: string;
  frrCheckInterval: string;
  commandTimeout: string;
}

const nonNegative = (flag: string, text: string): number => {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(n))
    throw new UsageError(`${flag} must be a number >= 0, got ${JSON.stringify(text)}`);
  return n;
};

export async function runDaemon(ctx: CliContext, opts: RunOptions): Promise<number> {
  const driftIntervalMs = Math.round(nonNegative('--drift-interval', opts.driftInterval) * 1000);
  const debounceMs = Math.round(nonNegative('--debounce', opts.debounce));
  const frrCheckMs = Math.round(nonNegative('--frr-check-interval', opts.frrCheckInterval) * 1000);
  const commandTimeoutMs = Math.round(nonNegative('--command-timeout', opts.commandTimeout) * 1000);
  if (commandTimeoutMs < 1000) throw new UsageError('--command-timeout must be at least 1 (seconds)');
  // systemd's WatchdogSec=, as WATCHDOG_USEC: set by systemd for a process it runs, and by our
  // units for the container (podman does not pass systemd's own into it).
  const watchdogMs = watchdogFromEnv(process.env, process.pid);
  const notifier = new SystemdNotify({
    socket: process.env.NOTIFY_SOCKET || undefined,
    log: ctx.log,
  });
  const metrics = new MetricsExporter({ log: ctx.log, build: buildInfo() });
  const daemon = new Daemon({
    configPath: ctx.configPath,
    pid: ctx.hostPid,
    log: ctx.log,
    notifier,
    driftIntervalMs,
    debounceMs,
    frrCheckMs,
    metrics,
    commandTimeoutMs,
    ...(watchdogMs !== undefined ? { watchdogMs } : {}),
    ...(ctx.crash ? { crash: ctx.crash } : {}),
  });

  const onHup = (): void =>
    void daemon.reload().catch((e: unknown) => ctx.log.error({ err: messageOf(e) }, 'reload failed'));
  const onStop = (signal: string) => (): void => void daemon.stop(signal);
  const onTerm = onStop('SIGTERM');
  const onInt = onStop('SIGINT');
  process.on('SIGHUP', onHup);
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  try {
    await daemon.start();
    await daemon.done;
  } finally {
    process.off('SIGHUP', onHup);
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
  }
  return 0;
}

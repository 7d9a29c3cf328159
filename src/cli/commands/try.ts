// `evpn-node try [FILE]`: apply a candidate config, keep it only if confirmed in time.
// This file wires the process to the flow: ENTER on a terminal, SIGUSR1, SIGINT/SIGTERM/SIGHUP.
import { readConfigView } from '../../status/config-view.js';
import { confirmTry, NoTryInProgress } from '../../try/confirm.js';
import { runTryFlow, TryRefused } from '../../try/run-try.js';
import type { TryEvent } from '../../try/decide.js';
import { TryBusyError } from '../../reconcile/try-file.js';
import type { CliContext } from '../context.js';
import { EXIT, RuntimeFailure, UsageError } from '../errors.js';

export interface TryOptions {
  timeout: string;
  confirm: boolean;
  autoConfirmWhenReady: boolean;
}

export async function runTry(ctx: CliContext, opts: TryOptions, file?: string): Promise<number> {
  if (opts.confirm) return confirm(ctx, file);
  const timeoutS = Number(opts.timeout);
  if (!Number.isInteger(timeoutS) || timeoutS < 1 || timeoutS > 86_400)
    throw new UsageError(`--timeout must be a whole number of seconds, 1..86400 (got ${JSON.stringify(opts.timeout)})`);

  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  const enterConfirms = process.stdin.isTTY === true;
  try {
    const r = await runTryFlow(
      {
        configPath: ctx.configPath,
        candidatePath: file ?? ctx.configPath,
        timeoutS,
        autoConfirmWhenReady: opts.autoConfirmWhenReady,
      },
      { log: ctx.log, pid: process.pid, say, listen: (emit) => listen(emit, enterConfirms), enterConfirms },
    );
    if (r.outcome === 'confirmed') {
      ctx.out(
        `Confirmed (${r.via}): ${ctx.configPath} now holds the candidate${r.backup ? `, the previous one is ${r.backup}` : ''}; it is the last good config.`,
      );
      return EXIT.ok;
    }
    const lines = [`rolled back to the last good config: ${r.why}`];
    if (r.rollbackError)
      lines.push(
        `the rollback itself FAILED: ${r.rollbackError}`,
        'the daemon (if it runs) applies the config files on disk, which still hold the old config',
      );
    if (r.inPlace)
      lines.push(
        `${ctx.configPath} still holds the rolled-back edit: revert it, or the next apply (or boot) applies it again`,
      );
    throw new RuntimeFailure(lines.join('\n'));
  } catch (e) {
    if (e instanceof TryRefused || e instanceof TryBusyError)
      throw new RuntimeFailure(`try refused: ${e.message}`, { cause: e });
    throw e;
  }
}

async function confirm(ctx: CliContext, file?: string): Promise<number> {
  if (file !== undefined) throw new UsageError('--confirm takes no FILE: it confirms the try in progress');
  const view = await readConfigView(ctx.configPath);
  try {
    const r = await confirmTry(view.runtime);
    ctx.out(
      r.finished
        ? `Confirmed the try in progress (pid ${r.pid}).`
        : `Sent the confirmation to the try in progress (pid ${r.pid}); it has not finished yet.`,
    );
    return EXIT.ok;
  } catch (e) {
    if (e instanceof NoTryInProgress) throw new RuntimeFailure(e.message, { cause: e });
    throw e;
  }
}

/** Confirm on SIGUSR1 or ENTER; roll back on SIGINT, SIGTERM, SIGHUP (a closed terminal). */
function listen(emit: (ev: TryEvent) => void, enterConfirms: boolean): () => void {
  const onUsr1 = (): void => emit({ kind: 'confirm', via: 'SIGUSR1' });
  const aborts = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map(
    (sig) => [sig, () => emit({ kind: 'abort', why: `${sig} received` })] as const,
  );
  process.on('SIGUSR1', onUsr1);
  for (const [sig, fn] of aborts) process.on(sig, fn);
  const onData = (d: Buffer): void => {
    if (d.includes(0x0a) || d.includes(0x0d)) emit({ kind: 'confirm', via: 'ENTER' });
  };
  if (enterConfirms) {
    process.stdin.on('data', onData);
    process.stdin.resume();
  }
  return () => {
    process.off('SIGUSR1', onUsr1);
    for (const [sig, fn] of aborts) process.off(sig, fn);
    if (enterConfirms) {
      process.stdin.off('data', onData);
      process.stdin.pause();
    }
  };
}

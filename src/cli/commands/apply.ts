// `evpn-node apply`: converge once; non-zero with a clear message on any failure. Holds the
// writer lock while it runs; with the daemon running, goes through it (the daemon converges,
// we report); another one-shot writer or a try in progress: refused unless --force.
import { loadInputs } from '../../reconcile/inputs.js';
import { convergeRecorded } from '../../reconcile/one-shot.js';
import { clearTornDown } from '../../reconcile/state-files.js';
import { busyMessage, takeWriterLock } from '../../reconcile/writer-lock.js';
import { convergeThroughDaemon } from '../../status/daemon-ask.js';
import type { RuntimeConfig } from '../../config/types.js';
import type { CliContext } from '../context.js';
import { EXIT, RuntimeFailure } from '../errors.js';
import { messageOf } from '../../errors.js';

export interface ApplyOptions {
  force: boolean;
}

export async function runApply(ctx: CliContext, opts: ApplyOptions = { force: false }): Promise<number> {
  const inputs = await loadInputs(ctx.configPath);
  for (const w of inputs.warnings) ctx.log.warn({ file: w.file, line: w.line, path: w.path }, w.message);
  const rt = inputs.config.runtime;
  const writer = await takeWriterLock(rt, { pid: ctx.hostPid, command: 'apply', log: ctx.log });
  if (writer.kind === 'busy') {
    const busy = busyMessage(writer, rt);
    if (opts.force) ctx.log.warn(`--force: applying although ${busy}; both may write at once`);
    else if (writer.holder.command === 'run') return applyThroughDaemon(ctx, rt, writer.holder.pid);
    else
      throw new RuntimeFailure(
        `apply refused: ${busy}. Wait for it to finish${writer.holder.command === 'try' ? ' (or confirm it: `evpn-node try --confirm`)' : ''}, or override with \`apply --force\``,
      );
  }
  try {
    await clearTornDown(rt);
    const r = await convergeRecorded(inputs, { log: ctx.log, ...(ctx.crash ? { crash: ctx.crash } : {}) });
    if (ctx.json) ctx.out(JSON.stringify(r, null, 2));
    if (r.conflicts.length) {
      throw new RuntimeFailure(
        `applied, but ${r.conflicts.length} object(s) evpn-node does not own stand in the way:\n${r.conflicts.map((c) => `  ${c}`).join('\n')}`,
      );
    }
    if (!ctx.json)
      ctx.out(
        r.kernelOps === 0 && !r.reloaded
          ? 'No changes.'
          : `Applied: ${r.kernelOps} kernel change(s)${r.reloaded ? ', FRR reloaded' : ''} in ${r.durationMs} ms.`,
      );
    return EXIT.ok;
  } finally {
    if (writer.kind === 'held') await writer.lock.release();
  }
}

/** The daemon converges the files on disk; we wait for its pass and report it. */
async function applyThroughDaemon(ctx: CliContext, rt: RuntimeConfig, daemonPid: number): Promise<number> {
  await clearTornDown(rt);
  ctx.log.info(`the daemon (pid ${daemonPid}) holds the writer lock: asking it to apply ${ctx.configPath}`);
  let s;
  try {
    s = await convergeThroughDaemon(rt, daemonPid, { configPath: ctx.configPath });
  } catch (e) {
    throw new RuntimeFailure(messageOf(e), { cause: e });
  }
  if (ctx.json) ctx.out(JSON.stringify(s, null, 2));
  if (s.state === 'converged' && !s.configOnDisk?.error && s.configInForce?.sha256 === s.configOnDisk?.sha256) {
    if (!ctx.json)
      ctx.out(
        `Applied by the daemon (pid ${daemonPid}): ${s.kernelOps} kernel change(s)${s.frrReloaded ? ', FRR reloaded' : ''}.`,
      );
    return EXIT.ok;
  }
  const why =
    s.state === 'try-in-progress'
      ? 'a try is in progress; the daemon makes no change until it ends'
      : (s.configOnDisk?.error ?? s.error ?? s.lastError?.message ?? 'see `evpn-node status`');
  throw new RuntimeFailure(
    `the daemon (pid ${daemonPid}) did not converge the config (state ${s.state ?? '?'}): ${why}`,
  );
}

// `evpn-node apply`: converge once; non-zero with a clear message on any failure.
import { loadInputs } from '../../reconcile/inputs.js';
import { converge } from '../../reconcile/converge.js';
import type { CliContext } from '../context.js';
import { EXIT, RuntimeFailure } from '../errors.js';

export async function runApply(ctx: CliContext): Promise<number> {
  const inputs = await loadInputs(ctx.configPath);
  for (const w of inputs.warnings) ctx.log.warn({ file: w.file, line: w.line, path: w.path }, w.message);
  const r = await converge(inputs, { log: ctx.log });
  if (ctx.json) ctx.out(JSON.stringify(r, null, 2));
  if (r.conflicts.length) {
    throw new RuntimeFailure(`applied, but ${r.conflicts.length} object(s) evpn-node does not own stand in the way:\n${r.conflicts.map((c) => `  ${c}`).join('\n')}`);
  }
  if (!ctx.json) ctx.out(r.kernelOps === 0 && !r.reloaded ? 'No changes.' : `Applied: ${r.kernelOps} kernel change(s)${r.reloaded ? ', FRR reloaded' : ''} in ${r.durationMs} ms.`);
  return EXIT.ok;
}

// `evpn-node render`: the frr.conf apply would write; secrets redacted unless asked.
import { loadInputs } from '../../reconcile/inputs.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../errors.js';

export async function runRender(ctx: CliContext, opts: { showSecrets: boolean }): Promise<number> {
  const inputs = await loadInputs(ctx.configPath);
  ctx.out(opts.showSecrets ? inputs.frrConf : inputs.frrConfRedacted);
  return EXIT.ok;
}

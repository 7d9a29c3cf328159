// `evpn-node teardown`: remove what evpn-node created; the underlay NIC goes back to the host.
import { teardownNode, teardownTarget } from '../../reconcile/teardown.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../errors.js';

export async function runTeardown(ctx: CliContext): Promise<number> {
  const target = await teardownTarget(ctx.configPath, ctx.log);
  const r = await teardownNode(target, { log: ctx.log, hostPid: ctx.hostPid });
  ctx.out(ctx.json ? JSON.stringify(r, null, 2) : `Torn down: ${r.kernelOps} kernel change(s)${r.frrEmptied ? ', FRR config emptied' : ''}.`);
  return EXIT.ok;
}

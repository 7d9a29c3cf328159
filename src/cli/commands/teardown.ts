// `evpn-node teardown`: remove what evpn-node created; the underlay NIC goes back to the host.
// It can take the node's primary interface away, so it asks first on a terminal; `--yes`
// skips the question, and without a terminal to ask on (a script, ssh without -t, a pipe) it
// refuses rather than tear down unasked.
import { teardownNode, teardownTarget } from '../../reconcile/teardown.js';
import type { CliContext } from '../context.js';
import { EXIT, UsageError } from '../errors.js';

export interface TeardownOptions {
  yes: boolean;
  /** Ask on the terminal; undefined when stdin is not one. */
  ask?: (question: string) => Promise<string>;
}

export async function runTeardown(ctx: CliContext, opts: TeardownOptions): Promise<number> {
  const target = await teardownTarget(ctx.configPath, ctx.log);
  if (!opts.yes) {
    if (!opts.ask) throw new UsageError('teardown removes the node\'s EVPN network (and its primary interface, if it is an EVPN leg); stdin is not a terminal to ask on: pass --yes to confirm');
    const nics = target.underlayNics;
    const nic = nics.length ? `, and gives ${nics.join(', ')} back to the host` : '';
    const answer = await opts.ask(`This removes every interface, VRF and route evpn-node created on this node${nic}.\nIf the node's primary interface is an EVPN leg, connections over it (this one too) are cut.\nTear down? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) {
      ctx.out('Nothing torn down.');
      return EXIT.failure;
    }
  }
  const r = await teardownNode(target, { log: ctx.log, hostPid: ctx.hostPid });
  ctx.out(ctx.json ? JSON.stringify(r, null, 2) : `Torn down: ${r.kernelOps} kernel change(s)${r.frrEmptied ? ', FRR config emptied' : ''}.`);
  return EXIT.ok;
}

// `evpn-node teardown`: remove what evpn-node created; the underlay NIC goes back to the host.
// It can take the node's primary interface away, so it asks first on a terminal; `--yes`
// skips the question, and without a terminal to ask on (a script, ssh without -t, a pipe) it
// refuses rather than tear down unasked.
// It holds the writer lock, and is refused while another evpn-node holds it (the daemon above
// all: it would build everything back at its next pass) unless --force. With --force next to a
// running daemon, the daemon is told to stand aside first (torn-down mark + SIGHUP) and stays
// aside until `evpn-node apply`.
import { teardownNode, teardownTarget } from '../../reconcile/teardown.js';
import { markTornDown, writerLockPath } from '../../reconcile/state-files.js';
import { busyMessage, takeWriterLock, type Writer } from '../../reconcile/writer-lock.js';
import { lockHolder } from '../../io/lock-file.js';
import type { RuntimeConfig } from '../../config/types.js';
import { daemonStandsAside } from '../../status/daemon-ask.js';
import type { CliContext } from '../context.js';
import { EXIT, RuntimeFailure, UsageError } from '../errors.js';

export interface TeardownOptions {
  yes: boolean;
  force: boolean;
  /** Ask on the terminal; undefined when stdin is not one. */
  ask?: (question: string) => Promise<string>;
}

export async function runTeardown(ctx: CliContext, opts: TeardownOptions): Promise<number> {
  const target = await teardownTarget(ctx.configPath, ctx.log);
  const rt = target.runtime;
  // Refused before asking (a question whose yes would be refused is noise); the lock itself is
  // taken after the answer, not held while a human thinks.
  const holder = await lockHolder(writerLockPath(rt));
  if (holder && !opts.force) refuse({ kind: 'busy', holder }, rt);
  if (!opts.yes && !opts.ask)
    throw new UsageError(
      "teardown removes the node's EVPN network (and its primary interface, if it is an EVPN leg); stdin is not a terminal to ask on: pass --yes to confirm",
    );
  if (!opts.yes && opts.ask) {
    const nics = target.underlayNics;
    const nic = nics.length ? `, and gives ${nics.join(', ')} back to the host` : '';
    const answer = await opts.ask(
      `This removes every interface, VRF and route evpn-node created on this node${nic}.\nIf the node's primary interface is an EVPN leg, connections over it (this one too) are cut.\nTear down? [y/N] `,
    );
    if (!/^y(es)?$/i.test(answer.trim())) {
      ctx.out('Nothing torn down.');
      return EXIT.failure;
    }
  }
  const writer = await takeWriterLock(rt, { pid: ctx.hostPid, command: 'teardown', log: ctx.log });
  try {
    const daemon = writer.kind === 'busy' && writer.holder.command === 'run' ? writer.holder.pid : undefined;
    if (writer.kind === 'busy') {
      if (!opts.force) refuse(writer, rt);
      ctx.log.warn(`--force: tearing down although ${busyMessage(writer, rt)}`);
    }
    if (daemon !== undefined) {
      await markTornDown(rt, `evpn-node teardown --force (pid ${ctx.hostPid})`);
      const aside = await daemonStandsAside(rt, daemon, { state: 'torn-down' });
      if (aside) ctx.log.info(`the daemon (pid ${daemon}) stands aside until \`evpn-node apply\``);
      else
        ctx.log.warn(
          `the daemon (pid ${daemon}) did not acknowledge within 10 s; tearing down anyway (it stands aside at its next pass)`,
        );
    }
    // The daemon owns status.json while it runs (it says torn-down there); otherwise it goes.
    const r = await teardownNode(target, {
      log: ctx.log,
      hostPid: ctx.hostPid,
      keepStatus: daemon !== undefined,
      ...(ctx.crash ? { crash: ctx.crash } : {}),
    });
    ctx.out(
      ctx.json
        ? JSON.stringify(r, null, 2)
        : `Torn down: ${r.kernelOps} kernel change(s)${r.frrEmptied ? ', FRR config emptied' : ''}.`,
    );
    return EXIT.ok;
  } finally {
    if (writer.kind === 'held') await writer.lock.release();
  }
}

function refuse(w: Extract<Writer, { kind: 'busy' }>, rt: RuntimeConfig): never {
  const stop =
    w.holder.command === 'run'
      ? 'stop it first (`systemctl stop evpn-node-controller`: the network stays up)'
      : 'wait for it to finish';
  throw new RuntimeFailure(`teardown refused: ${busyMessage(w, rt)}. ${stop}, or override with \`teardown --force\``);
}

// After a reconcile: does FRR run every L3VNI as an L3VNI, and if not, make it take the binding.
// src/frr/vni-check.ts says how zebra can end up with an L3VNI as L2 although frr.conf is right.
// frr-reload.py sees no difference to apply then (the running config already says `vni N`), so
// the fix is to unbind the VNI from its VRF and bind it again: zebra turns an L2VNI into an
// L3VNI when the binding arrives. Each pass of this costs two reloads, and only when FRR is wrong.

import { redactFrrText, secretsIn } from '../frr/redact.js';
import type { Logger } from '../log.js';
import type { NodeInputs } from './inputs.js';
import { ReloaderClient } from '../frr/reload-client.js';
import { misclassifiedL3Vnis, type MisclassifiedVni } from '../frr/vni-check.js';
import { renderFrrConf } from '../frr/render.js';
import { writeFrrConf } from './frr-files.js';
import { messageOf } from '../errors.js';

/** How long zebra gets to show the rebound VNI as L3 (it applies config asynchronously). */
const REBIND_SETTLE_MS = 10_000;

export interface L3VniCheck {
  /** The L3VNIs FRR still runs as something else after one rebind attempt, as conflict lines. */
  problems: string[];
  /** Whether a rebind reloaded FRR. */
  reloaded: boolean;
}

/**
 * Whether FRR runs every L3VNI as one; rebinds those it does not, once.
 * Asked only when there are L3VNIs; a reloader that does not answer is not a finding here
 * (FRR being down is reported by the reload and the daemon's health checks).
 */
export async function ensureFrrRunsL3Vnis(inputs: NodeInputs, log: Logger): Promise<L3VniCheck> {
  const fine: L3VniCheck = { problems: [], reloaded: false };
  if (inputs.config.l3vnis.length === 0) return fine;
  const client = new ReloaderClient(inputs.config.runtime.reloaderSocket);
  const wrong = await misclassified(inputs, client, log);
  if (wrong === undefined || wrong.length === 0) return fine;

  const vnis = wrong.map((w) => w.vni);
  log.warn(
    { vnis, problems: wrong.map((w) => w.message) },
    'FRR runs L3VNI(s) as another kind: unbinding and binding them again',
  );
  await rebind(inputs, client, vnis, log);

  let left: MisclassifiedVni[] | undefined = wrong;
  const deadline = Date.now() + REBIND_SETTLE_MS;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    left = await misclassified(inputs, client, log);
    if (left !== undefined && left.length === 0) break;
  }
  if (left === undefined || left.length === 0) {
    log.info({ vnis }, 'FRR runs the L3VNI(s) as L3VNIs again');
    return { problems: [], reloaded: true };
  }
  for (const w of left) log.error({ problem: w.message }, 'FRR does not run an L3VNI as configured');
  return { problems: left.map((w) => w.message), reloaded: true };
}

async function misclassified(
  inputs: NodeInputs,
  client: ReloaderClient,
  log: Logger,
): Promise<MisclassifiedVni[] | undefined> {
  try {
    return misclassifiedL3Vnis(inputs.config.l3vnis, await client.vni());
  } catch (e) {
    log.debug({ err: messageOf(e) }, "could not read FRR's VNIs; L3VNI kinds not checked");
    return undefined;
  }
}

/** Reload without the VRF bindings of `vnis`, then with the real frr.conf, which stays on disk. */
async function rebind(inputs: NodeInputs, client: ReloaderClient, vnis: number[], log: Logger): Promise<void> {
  const dir = inputs.config.runtime.frrConfigDir;
  const model = inputs.frrModel;
  const unbound = renderFrrConf({ ...model, vrfs: model.vrfs.filter((v) => !vnis.includes(v.vni)) });
  try {
    await writeFrrConf(dir, unbound);
    const r = await client.reload();
    if (!r.ok)
      log.warn(
        { phase: r.phase, output: redactFrrText(r.output, secretsIn(inputs.frrConf)).trim() },
        'FRR refused the config without the L3VNI binding(s)',
      );
  } finally {
    // Whatever happened, the file says what FRR must run (and loads on its next start).
    await writeFrrConf(dir, inputs.frrConf);
  }
  const r = await client.reload();
  if (!r.ok)
    log.error(
      { phase: r.phase, output: redactFrrText(r.output, secretsIn(inputs.frrConf)).trim() },
      'FRR refused its own config when binding the L3VNI(s) again',
    );
}

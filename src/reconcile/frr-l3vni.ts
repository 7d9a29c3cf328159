// After a reconcile (and on the daemon's drift tick): does FRR run every L3VNI as an L3VNI, and
// does the kernel hold the router MACs zebra says it installed for it? If not, make FRR take the
// binding again. src/frr/vni-check.ts says how zebra can end up with an L3VNI as L2 although
// frr.conf is right; src/frr/rmac-check.ts how zebra can lose an L3VNI's router MACs from the
// kernel (bgpd alone restarted, FRR 10.7). frr-reload.py sees no difference to apply then (the
// running config is right), so the fix is to unbind the VNI from its VRF and bind it again:
// zebra turns an L2VNI into an L3VNI when the binding arrives, and a new L3VNI gets bgpd's
// routes, hence its router MACs, installed again. Each pass of this costs two reloads, and
// only when FRR is wrong; a rebind that did not cure waits longer for the next
// (l3vni-backoff.ts), so a fault it cannot mend is not two reloads every drift tick.

import type { Logger } from '../log.js';
import type { NodeInputs } from './inputs.js';
import type { ReloaderClient } from '../frr/reload-client.js';
import { misclassifiedL3Vnis } from '../frr/vni-check.js';
import { evpnSessionsSettled, kernelL3Forwarding, l3VniForwardingGap, zebraL3Forwarding } from '../frr/rmac-check.js';
import { observeL3Forwarding } from '../kernel/observe-l3-forwarding.js';
import type { Runner } from '../kernel/runner.js';
import { bridgeName, vxlanName } from '../model/names.js';
import { renderFrrConf } from '../frr/render.js';
import { writeFrrConf } from './frr-files.js';
import { L3VniRepairs, tickVerdict, waitInWords, type RebindBackoff } from './l3vni-backoff.js';
import { messageOf } from '../errors.js';

/** How long zebra gets to show the rebound VNI as L3 (it applies config asynchronously). */
const REBIND_SETTLE_MS = 10_000;
/** ... and to install the router MACs again: bgpd re-imports the VRF's routes first. */
const REINSTALL_SETTLE_MS = 30_000;
/**
 * What is found wrong (a gap between zebra and the kernel, or a VNI of the wrong kind) is looked
 * at twice this far apart before anything is done: zebra installs through its dataplane thread
 * and applies config asynchronously, so a look right after a reload or an FRR start can catch
 * an entry on its way.
 */
const GAP_CONFIRM_MS = 3_000;
/** Nothing is judged before every EVPN session has been up this long (rmac-check.ts evpnSessionsSettled). */
const EVPN_SETTLE_MS = 30_000;

/** Where the L3VNIs' devices are and how FRR is asked. */
export interface L3VniLook {
  /** Reads the router netns. */
  runner: Runner;
  netns: string;
  /** The reloader, masking the config's secrets in what it relays (frr-push.ts reloaderFor). */
  client: ReloaderClient;
  /** The daemon's record of rebinds that did not cure (default: a fresh one, every VNI due). */
  repairs?: L3VniRepairs;
}

export interface L3VniCheck {
  /** The L3VNIs FRR still runs wrong (after a rebind, or waiting for the next), as conflict lines. */
  problems: string[];
  /** Whether a rebind reloaded FRR. */
  reloaded: boolean;
}

/** One L3VNI FRR runs wrong: misclassified, or router MACs missing from the kernel. */
interface L3VniProblem {
  vni: number;
  vrf: string;
  message: string;
  /** The kernel entries missing (a forwarding gap), empty for a misclassified VNI. */
  missing: string[];
}

/**
 * Whether FRR runs every L3VNI as one, with its router MACs in the kernel; rebinds those it
 * does not, once, unless an earlier rebind did not cure them and the next is not due yet
 * (l3vni-backoff.ts). Asked only when there are L3VNIs; a reloader that does not answer is not
 * a finding here (FRR being down is reported by the reload and the daemon's health checks).
 */
export async function ensureFrrRunsL3Vnis(inputs: NodeInputs, log: Logger, look: L3VniLook): Promise<L3VniCheck> {
  const repairs = look.repairs ?? new L3VniRepairs();
  const fine: L3VniCheck = { problems: [], reloaded: false };
  if (inputs.config.l3vnis.length === 0) {
    repairs.reported = new Set();
    return fine;
  }
  let found = await l3VniProblems(inputs, look, log);
  if (found?.problems.length) {
    await sleep(GAP_CONFIRM_MS);
    found = await l3VniProblems(inputs, look, log);
  }
  if (found === undefined || found.problems.length === 0) {
    if (found) repairs.whole(found.witnessed);
    repairs.reported = new Set();
    return fine;
  }
  const wrong = found.problems;
  repairs.whole([...found.witnessed].filter((vni) => !wrong.some((w) => w.vni === vni)));

  const now = Date.now();
  const due = wrong.filter((w) => repairs.due(w.vni, now));
  const waiting = wrong.filter((w) => !repairs.due(w.vni, now));
  for (const w of waiting)
    log.debug(
      { vni: w.vni, nextRebindAt: new Date(repairs.backoff.get(w.vni)?.nextAt ?? now).toISOString() },
      `L3VNI ${w.vni}: still wrong, not rebound before its next rebind is due`,
    );
  const left = due.length ? await rebindAndCheck(inputs, look, due, log) : [];

  const after = Date.now();
  for (const w of due) {
    const l = left.find((p) => p.vni === w.vni);
    if (l) {
      const b = repairs.uncured(w.vni, after);
      log.error(
        { vni: w.vni, problem: l.message, uncured: b.uncured, nextRebindAt: new Date(b.nextAt).toISOString() },
        `L3VNI ${w.vni}: ${w.missing.length ? 'router MAC(s) still missing' : 'still run as another kind'} after a rebind; next rebind in ${waitInWords(b.nextAt - after)}`,
      );
    } else repairs.whole([w.vni]);
  }
  const still = [...left, ...waiting];
  repairs.reported = new Set(still.map((w) => w.vni));
  return {
    problems: still.map((w) => withNextRebind(w.message, repairs.backoff.get(w.vni))),
    reloaded: due.length > 0,
  };
}

/**
 * Rebind `wrong` and watch them come back. Right after the rebind zebra holds nothing for the
 * VNI and the kernel no route: no gap, and no proof either. A VNI that had a gap is back when
 * its router MACs or routes are there again and nothing is missing. Returns those not back.
 */
async function rebindAndCheck(
  inputs: NodeInputs,
  look: L3VniLook,
  wrong: L3VniProblem[],
  log: Logger,
): Promise<L3VniProblem[]> {
  const vnis = wrong.map((w) => w.vni);
  for (const w of wrong.filter((p) => p.missing.length > 0))
    log.warn(
      { vni: w.vni, vrf: w.vrf, missing: w.missing },
      `L3VNI ${w.vni}: router MAC(s) missing from the kernel: unbinding and binding the VNI again`,
    );
  const kinds = wrong.filter((w) => w.missing.length === 0);
  if (kinds.length)
    log.warn(
      { vnis: kinds.map((w) => w.vni), problems: kinds.map((w) => w.message) },
      'FRR runs L3VNI(s) as another kind: unbinding and binding them again',
    );
  await rebind(inputs, look.client, vnis, log);

  const gapped = wrong.filter((w) => w.missing.length > 0);
  let left: L3VniProblem[] = wrong;
  const settle = gapped.length ? REINSTALL_SETTLE_MS : REBIND_SETTLE_MS;
  const deadline = Date.now() + settle;
  while (Date.now() < deadline) {
    await sleep(1000);
    const again = await l3VniProblems(inputs, look, log);
    if (again === undefined) continue;
    left = [
      // Only the VNIs rebound here: another's problem is its own (waiting for its next rebind).
      ...again.problems.filter((p) => vnis.includes(p.vni)),
      ...gapped
        .filter((g) => !again.witnessed.has(g.vni) && !again.problems.some((p) => p.vni === g.vni))
        .map((g) => ({
          ...g,
          message: `L3VNI ${g.vni} (VRF ${g.vrf}): no router MAC or route of a remote VTEP back in zebra or the kernel ${settle / 1000} s after binding the VNI again (was missing: ${g.missing.join('; ')})`,
        })),
    ];
    if (left.length === 0) break;
  }
  if (left.length === 0) log.info({ vnis }, 'FRR runs the L3VNI(s) as L3VNIs again, their router MACs in the kernel');
  return left;
}

/** A conflict line says when the daemon tries again: it stands in status until then. */
function withNextRebind(message: string, b: RebindBackoff | undefined): string {
  if (!b) return message;
  const at = new Date(b.nextAt).toISOString().slice(11, 19);
  return `${message} (${b.uncured} rebind(s) did not cure it; next rebind after ${at} UTC)`;
}

/**
 * For the daemon's drift tick: why FRR runs an L3VNI wrong (one look, no repair), or undefined.
 * Nothing in frr.conf or in the kernel plan changes when zebra loses an L3VNI's router MACs, so
 * only this look finds it; the converge it leads to repairs (ensureFrrRunsL3Vnis). A VNI
 * already reported as a conflict and waiting for its next rebind leads to no converge until
 * the rebind is due (l3vni-backoff.ts tickVerdict).
 */
export async function l3VniOff(inputs: NodeInputs, log: Logger, look: L3VniLook): Promise<string | undefined> {
  if (inputs.config.l3vnis.length === 0) return undefined;
  const repairs = look.repairs ?? new L3VniRepairs();
  const found = await l3VniProblems(inputs, look, log);
  if (!found) return undefined;
  const wrong = found.problems.map((p) => p.vni);
  repairs.whole([...found.witnessed].filter((vni) => !wrong.includes(vni)));
  const v = tickVerdict(wrong, repairs, Date.now());
  if (!v.converge) return undefined;
  if (v.why === 'cleared') return `L3VNI ${v.vni}: no longer found wrong; its conflict is cleared by a converge`;
  const first = found.problems.find((p) => p.vni === v.vni);
  if (!first) return undefined;
  return first.missing.length
    ? `L3VNI ${first.vni} (VRF ${first.vrf}): router MAC(s) missing from the kernel: ${first.missing.join('; ')}`
    : first.message;
}

/**
 * Misclassified L3VNIs, then L3VNIs whose router MACs the kernel lacks; undefined when FRR
 * cannot be asked. `witnessed`: the L3VNIs for which zebra holds a router MAC or the kernel a
 * route via a remote VTEP (something to compare at all).
 */
async function l3VniProblems(
  inputs: NodeInputs,
  look: L3VniLook,
  log: Logger,
): Promise<{ problems: L3VniProblem[]; witnessed: Set<number> } | undefined> {
  const { client } = look;
  let vniAnswer: unknown;
  try {
    vniAnswer = await client.vni();
  } catch (e) {
    log.debug({ err: messageOf(e) }, "could not read FRR's VNIs; L3VNI kinds not checked");
    return undefined;
  }
  const problems: L3VniProblem[] = misclassifiedL3Vnis(inputs.config.l3vnis, vniAnswer).map((w) => ({
    vni: w.vni,
    vrf: w.vrf,
    message: w.message,
    missing: [],
  }));
  const misclassified = new Set(problems.map((p) => p.vni));
  const witnessed = new Set<number>();
  let rmacAnswer: unknown;
  try {
    rmacAnswer = await client.rmac();
  } catch (e) {
    // A reloader older than GET /rmac (a controller upgraded before its router pod) answers 404.
    log.debug({ err: messageOf(e) }, "could not read zebra's router MACs; L3VNI forwarding not checked");
    return { problems, witnessed };
  }
  for (const { vrf, vni, table } of inputs.config.l3vnis) {
    if (misclassified.has(vni)) continue;
    const zebra = zebraL3Forwarding(rmacAnswer, vni);
    const devices = { vrf, vni, vxlan: vxlanName(vni), svi: bridgeName(vni) };
    let dump;
    try {
      dump = await observeL3Forwarding(look.runner, { name: look.netns }, { ...devices, table });
    } catch (e) {
      log.debug({ vni, err: messageOf(e) }, "could not read the L3VNI's FDB and neighbours; not checked");
      continue;
    }
    const kernel = kernelL3Forwarding(dump.fdb, dump.neighbours, devices.svi, dump.routes);
    if (zebra.rmacs.length || zebra.nexthops.length || kernel.gateways.length) witnessed.add(vni);
    const gap = l3VniForwardingGap(devices, zebra, kernel);
    if (gap) problems.push({ vni, vrf, message: gap.message, missing: gap.missing });
  }
  // Right after FRR (re)starts, zebra's view is in flux: it can list an L3VNI as L2 until the
  // `vrf X / vni N` binding reaches it, and install router MACs seconds after the sessions come
  // up. A rebind then (two reloads) withdraws the VRF's type-5 routes from the fabric (the
  // likely cause of a lab run that lost the L3VNI for minutes after an FRR kill). So nothing is
  // judged until every EVPN session has been up EVPN_SETTLE_MS, and then only what is seen
  // twice (ensureFrrRunsL3Vnis).
  if (problems.length > 0 && !(await evpnSettled(client, log))) {
    log.debug({ vnis: problems.map((p) => p.vni) }, 'L3VNI run wrong while BGP EVPN is (re)starting: not judged yet');
    // Not judged is not whole either: those VNIs keep their backoff.
    for (const p of problems) witnessed.delete(p.vni);
    return { problems: [], witnessed };
  }
  return { problems, witnessed };
}

/** Only asked when something was found wrong: two more vtysh queries, not on every healthy tick. */
async function evpnSettled(client: ReloaderClient, log: Logger): Promise<boolean> {
  try {
    return evpnSessionsSettled(await client.bgp(), EVPN_SETTLE_MS);
  } catch (e) {
    log.debug({ err: messageOf(e) }, "could not read bgpd's EVPN sessions");
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Reload without the VRF bindings of `vnis`, then with the real frr.conf, which stays on disk. */
async function rebind(inputs: NodeInputs, client: ReloaderClient, vnis: number[], log: Logger): Promise<void> {
  const dir = inputs.config.runtime.frrConfigDir;
  const model = inputs.frrModel;
  const unbound = renderFrrConf({ ...model, vrfs: model.vrfs.filter((v) => !vnis.includes(v.vni)) });
  try {
    await writeFrrConf(dir, unbound);
    const r = await client.reload();
    if (!r.ok)
      log.warn({ phase: r.phase, output: r.output.trim() }, 'FRR refused the config without the L3VNI binding(s)');
  } finally {
    // Whatever happened, the file says what FRR must run (and loads on its next start).
    await writeFrrConf(dir, inputs.frrConf);
  }
  const r = await client.reload();
  if (!r.ok)
    log.error(
      { phase: r.phase, output: r.output.trim() },
      'FRR refused its own config when binding the L3VNI(s) again',
    );
}

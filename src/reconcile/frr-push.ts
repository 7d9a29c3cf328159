// frr.conf to FRR, once per converge: written and reloaded only when the rendered text differs
// from the file (reloading an unchanged config flaps sessions: MetalLB #1537), when a reload of
// it did not finish (frr-reload-pending), when the caller forces it, or — asked once, after the
// kernel post phase — when FRR's running config is not the file's.

import type { Logger } from '../log.js';
import type { NodeInputs } from './inputs.js';
import type { CrashPoints } from '../model/crash-points.js';
import { rm } from 'node:fs/promises';
import { ReloaderClient, ReloaderUnavailableError } from '../frr/reload-client.js';
import { secretsIn } from '../frr/redact.js';
import { ensureFrrSupportFiles, frrConfPath, readFrrConf, writeFrrConf } from './frr-files.js';
import { clearReloadPending, markReloadPending, reloadPending } from './state-files.js';
import { FrrRefusedError } from './converge-error.js';

/** frr.conf on disk against the rendered text: read once per converge, by readFrrFiles. */
export interface FrrFiles {
  /** frr.conf as on disk (undefined: none yet). */
  current: string | undefined;
  changed: boolean;
  /** A reload of the file did not finish (frr-reload-pending). */
  wasPending: boolean;
  /** Masks the config's own secrets (neighbor passwords, rawConfig's) in what the reloader relays. */
  client: ReloaderClient;
}

export interface FrrPushed {
  changed: boolean;
  reloaded: boolean;
  /** FRR's running config still differs from frr.conf after pushing it again (the lines). */
  apart?: string[];
}

/** Nothing written, nothing reloaded. */
export const FRR_UNTOUCHED: FrrPushed = { changed: false, reloaded: false };

/** The support files in place, then frr.conf and the pending mark as they are now. */
export async function readFrrFiles(inputs: NodeInputs): Promise<FrrFiles> {
  const rt = inputs.config.runtime;
  await ensureFrrSupportFiles(rt.frrConfigDir);
  const current = await readFrrConf(rt.frrConfigDir);
  return {
    current,
    changed: current !== inputs.frrConf,
    wasPending: await reloadPending(rt),
    client: reloaderFor(inputs),
  };
}

/**
 * The reloader client of a converge or drift check: it masks the config's own secrets (neighbor
 * passwords, rawConfig's) in whatever the reloader relays, so what callers log cannot carry one.
 */
export function reloaderFor(inputs: NodeInputs): ReloaderClient {
  return new ReloaderClient(inputs.config.runtime.reloaderSocket, { secrets: secretsIn(inputs.frrConf) });
}

/**
 * Pure: when a converge hands frr.conf to FRR. Before the kernel post phase when the file
 * changes, a reload of it did not finish, or the caller forces it; otherwise, with
 * `checkRunning`, FRR's running config is compared after the post phase. Never both: a push
 * reloads (or throws), so FRR gets the file at most once per converge.
 */
export function frrSteps(
  f: Pick<FrrFiles, 'changed' | 'wasPending'>,
  o: { force: boolean; checkRunning: boolean },
): { pushBeforePost: boolean; checkAfterPost: boolean } {
  const pushBeforePost = f.changed || f.wasPending || o.force;
  return { pushBeforePost, checkAfterPost: o.checkRunning && !pushBeforePost };
}

/**
 * The check after the post phase: does FRR run the unchanged file it loaded by itself
 * (`frr-reload.py --test`)? When not, the file is pushed again.
 */
export async function checkFrrRunning(
  inputs: NodeInputs,
  log: Logger,
  files: FrrFiles,
  crash?: CrashPoints,
): Promise<FrrPushed> {
  if (!(await frrRunsOtherThanFile(files.client, log))) return FRR_UNTOUCHED;
  return pushFrrConf(inputs, log, files, { apart: true, ...(crash ? { crash } : {}) });
}

/**
 * Write frr.conf (when it changed) and have the reloader apply it. `apart`: pushed because FRR
 * ran something else; asked again afterwards. When FRR refuses the new text, the previous file
 * is put back so an FRR restart still loads the last good config.
 */
export async function pushFrrConf(
  inputs: NodeInputs,
  log: Logger,
  files: FrrFiles,
  o: { apart: boolean; crash?: CrashPoints },
): Promise<FrrPushed> {
  const rt = inputs.config.runtime;
  const { current, changed, wasPending, client } = files;
  if (wasPending && !changed)
    log.warn(
      'a reload of frr.conf did not finish (its writer was killed, or it failed or timed out): pushing the file again',
    );

  // The mark goes down before the file changes: from here until FRR is known to run the file,
  // a crash leaves it, and the next converge pushes again.
  await markReloadPending(rt);
  o.crash?.after('frr-marked');
  if (changed) await writeFrrConf(rt.frrConfigDir, inputs.frrConf);
  o.crash?.after('frr-written');
  // The file on disk must only ever say what FRR runs (or will load on restart): "unchanged"
  // is decided by comparing with it. So when the reload does not happen — reloader down,
  // timeout, refusal — the previous file goes back before the error goes up.
  const restore = async (): Promise<void> => {
    if (!changed) return;
    if (current !== undefined) await writeFrrConf(rt.frrConfigDir, current);
    else await rm(frrConfPath(rt.frrConfigDir), { force: true });
  };
  // Nothing reached FRR (refused connection, --test refusal) and nothing was pending before:
  // FRR runs the restored file.
  const untouched = async (): Promise<void> => {
    if (!wasPending) await clearReloadPending(rt);
  };
  let result;
  try {
    result = await client.reload();
  } catch (e) {
    await restore();
    // A timeout may still be applying: the mark stays.
    if (e instanceof ReloaderUnavailableError) await untouched();
    throw e;
  }
  o.crash?.after('frr-reloaded');
  if (result.ok) {
    await clearReloadPending(rt);
    log.info({ durationMs: result.durationMs, forced: !changed }, 'FRR reloaded');
    if (!o.apart) return { changed, reloaded: true };
    // Pushed because FRR ran something else: is it the file now? If not, reloading again
    // would not help (a line frr-reload.py cannot apply): say so once, with the lines.
    const still = await client.diffLines().catch(() => undefined);
    if (still?.ok && still.lines.length) {
      log.warn(
        { lines: still.lines.slice(0, 20) },
        'FRR still runs something other than frr.conf after a reload: restart FRR to load the file',
      );
      return { changed, reloaded: true, apart: still.lines };
    }
    return { changed, reloaded: true };
  }
  await restore();
  if (result.phase === 'test') await untouched();
  // frr-reload.py is not transactional: a failed --reload may have applied part of the change,
  // so push the previous config back through the same path.
  else if (current !== undefined) {
    const back = await client.reload();
    if (back.ok) await clearReloadPending(rt);
    log.warn({ ok: back.ok }, 'FRR reload failed half-way; re-applied the previous frr.conf');
  }
  const output = result.output.trim();
  throw new FrrRefusedError(
    `FRR refused the new configuration (${result.phase} phase); the previous frr.conf stays in force:\n${output}`,
  );
}

/** frr-reload.py --test: does FRR run something other than frr.conf? (A failed test answers no, with a warning.) */
async function frrRunsOtherThanFile(client: ReloaderClient, log: Logger): Promise<boolean> {
  const d = await client.diffLines();
  if (!d.ok) {
    log.warn({ output: d.output.slice(-2000) }, 'cannot tell whether FRR runs frr.conf: frr-reload.py --test failed');
    return false;
  }
  if (!d.lines.length) {
    log.info('FRR runs frr.conf (running config checked)');
    return false;
  }
  const { lines } = d;
  log.warn(
    { lines: lines.slice(0, 20), count: lines.length },
    'FRR runs something other than frr.conf: pushing the file again',
  );
  return true;
}

// `try --confirm`: tell the try in progress (found in try.json) to keep its candidate, by
// SIGUSR1, then wait until it has finished installing it.

import type { RuntimeConfig } from '../config/types.js';
import { readTryFile } from '../reconcile/try-file.js';

export class NoTryInProgress extends Error {
  override name = 'NoTryInProgress';
}

export interface ConfirmResult {
  pid: number;
  /** The try process finished (try.json gone) within the wait. */
  finished: boolean;
}

export async function confirmTry(
  rt: RuntimeConfig,
  opts: { waitMs?: number; signal?: (pid: number) => void } = {},
): Promise<ConfirmResult> {
  const s = await readTryFile(rt);
  if (s.state === 'none') throw new NoTryInProgress('no try is in progress (no try.json): nothing to confirm');
  if (s.state === 'stale')
    throw new NoTryInProgress(`no try is in progress: ${s.why} (the daemon rolls its candidate back)`);
  // Past its deadline: confirming now would keep a candidate the try was due to roll back.
  if (s.state === 'expired')
    throw new NoTryInProgress(
      `too late to confirm: ${s.why}; it is rolled back by the daemon or the next apply/teardown/try`,
    );
  const pid = s.file.pid;
  (opts.signal ?? ((p: number) => process.kill(p, 'SIGUSR1')))(pid);
  const until = Date.now() + (opts.waitMs ?? 30_000);
  while (Date.now() < until) {
    const now = await readTryFile(rt);
    if (now.state !== 'active' || now.file.pid !== pid) return { pid, finished: true };
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid, finished: false };
}

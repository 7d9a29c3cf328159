// `evpn-node run`: not built yet (placeholder so the CLI registers every SPEC command).
import type { CliContext } from '../context.js';
import { RuntimeFailure } from '../errors.js';

export interface RunOptions { driftInterval: string; debounce: string }

export async function runDaemon(_ctx: CliContext, _opts: RunOptions): Promise<number> {
  throw new RuntimeFailure('`run` is not implemented yet');
}

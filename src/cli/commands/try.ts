// `evpn-node try`: not built yet (placeholder so the CLI registers every SPEC command).
import type { CliContext } from '../context.js';
import { RuntimeFailure } from '../errors.js';

export interface TryOptions { timeout: string; confirm: boolean; autoConfirmWhenReady: boolean }

export async function runTry(_ctx: CliContext, _opts: TryOptions): Promise<number> {
  throw new RuntimeFailure('`try` is not implemented yet');
}

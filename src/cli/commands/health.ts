// `evpn-node health`: not built yet (placeholder so the CLI registers every SPEC command).
import type { CliContext } from '../context.js';
import { RuntimeFailure } from '../errors.js';

export async function runHealth(_ctx: CliContext): Promise<number> {
  throw new RuntimeFailure('`health` is not implemented yet');
}

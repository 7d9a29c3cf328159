// `evpn-node status`: not built yet (placeholder so the CLI registers every SPEC command).
import type { CliContext } from '../context.js';
import { RuntimeFailure } from '../errors.js';

export async function runStatus(_ctx: CliContext): Promise<number> {
  throw new RuntimeFailure('`status` is not implemented yet');
}

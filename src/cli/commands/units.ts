// `evpn-node units`: not built yet (placeholder so the CLI registers every SPEC command).
import type { CliContext } from '../context.js';
import { RuntimeFailure } from '../errors.js';

export interface UnitsOptions { format: 'systemd' | 'quadlet'; output?: string; controllerImage: string; frrImage: string }

export async function runUnits(_ctx: CliContext, _opts: UnitsOptions): Promise<number> {
  throw new RuntimeFailure('`units` is not implemented yet');
}

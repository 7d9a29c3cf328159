// `evpn-node status`: units, router netns, managed interfaces, BGP, last reconcile, config in
// force vs on disk. Exit 0 only when the node is converged and healthy (judged live, see
// status/verdict.ts), 3 otherwise, like `systemctl status`. `--diff`: the config in force vs on
// disk as a unified diff (0 when they are the same, 3 when not).
import { gatherStatus } from '../../status/gather.js';
import { formatStatus } from '../../status/format.js';
import { statusVerdict } from '../../status/verdict.js';
import { configDiff } from '../../status/config-diff.js';
import { STATUS_UNITS } from '../../status/unit-names.js';
import { DEFAULT_SYSTEM_BUS_ADDRESS } from '../../systemd/dbus.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../errors.js';

export interface StatusOptions {
  diff: boolean;
}

/** Not converged and healthy (status), or in force differs from on disk (status --diff). */
export const EXIT_NOT_OK = 3;

export async function runStatus(ctx: CliContext, opts: StatusOptions): Promise<number> {
  if (opts.diff) return runDiff(ctx);
  const report = await gatherStatus({
    configPath: ctx.configPath,
    units: STATUS_UNITS,
    // dbus-next's own default is /var/run/...; same socket, but name the one systemd documents.
    busAddress: process.env.DBUS_SYSTEM_BUS_ADDRESS || DEFAULT_SYSTEM_BUS_ADDRESS,
  });
  const verdict = statusVerdict(report);
  ctx.out(ctx.json ? JSON.stringify({ ...report, verdict }, null, 2) : formatStatus(report, new Date()));
  return verdict.healthy ? EXIT.ok : EXIT_NOT_OK;
}

async function runDiff(ctx: CliContext): Promise<number> {
  const d = await configDiff(ctx.configPath);
  if (ctx.json) ctx.out(JSON.stringify(d, null, 2));
  else if (!d.inForce) ctx.out(d.reason);
  else ctx.out(d.same ? `in force = on disk (${d.inForcePath}; ${d.onDiskFiles.join(', ')})` : d.diff.trimEnd());
  return d.inForce && d.same ? EXIT.ok : EXIT_NOT_OK;
}

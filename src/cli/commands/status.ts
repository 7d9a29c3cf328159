// `evpn-node status`: units, router netns, managed interfaces, BGP, last reconcile, config in
// force vs on disk. Exit 0 whenever it could report (the report says what is wrong).
import { gatherStatus } from '../../status/gather.js';
import { formatStatus } from '../../status/format.js';
import { STATUS_UNITS } from '../../status/unit-names.js';
import { DEFAULT_SYSTEM_BUS_ADDRESS } from '../../systemd/dbus.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../errors.js';

export async function runStatus(ctx: CliContext): Promise<number> {
  const report = await gatherStatus({
    configPath: ctx.configPath,
    units: STATUS_UNITS,
    // dbus-next's own default is /var/run/...; same socket, but name the one systemd documents.
    busAddress: process.env.DBUS_SYSTEM_BUS_ADDRESS || DEFAULT_SYSTEM_BUS_ADDRESS,
  });
  ctx.out(ctx.json ? JSON.stringify(report, null, 2) : formatStatus(report, new Date()));
  return EXIT.ok;
}

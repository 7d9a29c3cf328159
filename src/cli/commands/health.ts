// `evpn-node health`: exit 0 healthy, 1 not; one line saying why (or JSON with --json). The
// podman health check runs it every few seconds: bounded to about a second, never hangs.
import { DEFAULT_READINESS } from '../../config/defaults.js';
import { readConfigView } from '../../status/config-view.js';
import { checkHealth } from '../../status/health.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../errors.js';

export async function runHealth(ctx: CliContext): Promise<number> {
  const view = await readConfigView(ctx.configPath);
  // The readiness rule of the config that last applied (it is what runs), else of the one on disk.
  const readiness = view.lastGood?.config?.readiness ?? view.onDisk.config?.readiness ?? DEFAULT_READINESS;
  const v = await checkHealth({ runtime: view.runtime, underlayRequired: readiness.underlayEstablished });
  ctx.out(ctx.json ? JSON.stringify(v, null, 2) : v.reason);
  return v.healthy ? EXIT.ok : EXIT.failure;
}

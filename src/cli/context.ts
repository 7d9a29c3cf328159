import type { Logger } from '../log.js';
import type { CrashPoints } from '../model/crash-points.js';

/** What every command gets from the CLI: parsed global flags, a logger, an output sink. */
export interface CliContext {
  configPath: string;
  json: boolean;
  log: Logger;
  /** Print a command's result on stdout (logs go to stderr). */
  out: (text: string) => void;
  /**
   * Our own pid, which is in the host network namespace: where the underlay NIC goes back on
   * teardown, and the pid the writer lock names.
   */
  hostPid: number;
  /** The kill-point test seam (EVPN_NODE_CRASH_AT); undefined in production. */
  crash?: CrashPoints;
}

import type { Logger } from '../log.js';

/** What every command gets from the CLI: parsed global flags, a logger, an output sink. */
export interface CliContext {
  configPath: string;
  json: boolean;
  log: Logger;
  /** Print a command's result on stdout (logs go to stderr). */
  out: (text: string) => void;
  /** A pid in the host network namespace (ours): where the underlay NIC goes back on teardown. */
  hostPid: number;
}

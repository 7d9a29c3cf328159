// A test seam: named points of a converge or a teardown where a crash can be simulated, to prove
// that a controller killed anywhere (a `podman stop` timeout, the OOM killer, a power cut of
// the container) leaves a node that its next start repairs. Production passes none; the CLI
// builds one from EVPN_NODE_CRASH_AT (cli/crash.ts) for the kill-point sweep in
// test/integration/crash-sweep.test.ts.

export interface CrashPoints {
  /** Called after each named step ('snapshot', 'pre', 'frr-written', ...); may not return. */
  after(step: string): void;
  /**
   * How many lines of the named `ip -batch` ('pre:host', 'pre:router', 'post:router:-6', ...)
   * to run, after which the batch's name is passed to after(); undefined (or more lines than
   * the batch has): the whole batch, no crash.
   */
  linesOf(batch: string): number | undefined;
}

/** The name of one `ip -batch` process: phase, netns, and '-6' for the IPv6 rule batch. */
export const batchName = (phase: string, ns: string, flags: string[]): string => [phase, ns, ...flags].join(':');

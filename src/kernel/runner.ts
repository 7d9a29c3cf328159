// How a namespace is addressed, and the one place that starts processes for the kernel layer.
// A namespace with a name is a named netns under /run/netns (`ip -n NAME`, `ip netns exec NAME`);
// without a name it is the namespace evpn-node itself runs in (production: the host).

import { DEFAULT_COMMAND_TIMEOUT_MS, runCaptured, type RunResult } from '../io/capture.js';

export type { RunResult };

export interface NsRef {
  name?: string;
}

export interface Runner {
  /** `ip [-n NAME] ...args`, stdin piped when given. Never throws on a non-zero exit. */
  ip(ns: NsRef, args: string[], stdin?: string): Promise<RunResult>;
  /** `cmd ...args` inside the namespace (`ip netns exec NAME cmd` when named). Never throws on exit code. */
  exec(ns: NsRef, cmd: string, args: string[]): Promise<RunResult>;
}

/** `-n NAME` for a named netns, nothing for the current one. */
export const nsFlag = (ns: NsRef): string[] => (ns.name ? ['-n', ns.name] : []);

/** How a namespace is shown in `plan` output and errors. */
export const nsLabel = (ns: NsRef): string => (ns.name ? `netns ${ns.name}` : 'current netns');

export interface ProcessRunnerOptions {
  /** The ip binary (tests give a wrapper); default `ip` from PATH. */
  ipBin?: string;
  /** How long one process may run before it is killed with its process group (io/capture.ts). */
  timeoutMs?: number;
}

/**
 * Extra time per line of an `ip -batch` input beyond the first BATCH_FREE_LINES: a 1000-VNI apply
 * is ~17,000 lines that run in 2-6 s here; 10 ms a line is several times that, for a loaded or
 * emulated machine. An observe (8 lines) or a small change gets the plain timeout.
 */
export const BATCH_MS_PER_LINE = 10;
const BATCH_FREE_LINES = 100;

const extraLines = (text: string | undefined): number =>
  text ? Math.max(0, text.split('\n').length - BATCH_FREE_LINES) : 0;

/**
 * The real one: a process per call, its stdout through a file, not a pipe (observe's dumps are
 * megabytes: io/capture.ts); each bounded by timeoutMs, plus BATCH_MS_PER_LINE per line of a long input.
 */
export function processRunner(opts: ProcessRunnerOptions = {}): Runner {
  const ipBin = opts.ipBin ?? 'ip';
  const base = opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  return {
    ip: (ns, args, stdin) =>
      runCaptured(ipBin, [...nsFlag(ns), ...args], stdin, { timeoutMs: base + BATCH_MS_PER_LINE * extraLines(stdin) }),
    exec: (ns, cmd, args) =>
      ns.name
        ? runCaptured(ipBin, ['netns', 'exec', ns.name, cmd, ...args], undefined, { timeoutMs: base })
        : runCaptured(cmd, args, undefined, { timeoutMs: base }),
  };
}

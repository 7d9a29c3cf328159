// How a namespace is addressed, and the one place that starts processes for the kernel layer.
// A namespace with a name is a named netns under /run/netns (`ip -n NAME`, `ip netns exec NAME`);
// without a name it is the namespace evpn-node itself runs in (production: the host).

import { runCaptured, type RunResult } from './capture.js';

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

/** The real one: a process per call, its stdout through a file, not a pipe (observe's dumps are megabytes: capture.ts). */
export function processRunner(opts: { ipBin?: string } = {}): Runner {
  const ipBin = opts.ipBin ?? 'ip';
  return {
    ip: (ns, args, stdin) => runCaptured(ipBin, [...nsFlag(ns), ...args], stdin),
    exec: (ns, cmd, args) => (ns.name ? runCaptured(ipBin, ['netns', 'exec', ns.name, cmd, ...args]) : runCaptured(cmd, args)),
  };
}

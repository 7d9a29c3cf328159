// The daemon lives for months and is idle nearly all the time, but one converge at 1000 VNIs
// allocates tens of MB of short-lived dumps and parse trees. V8 grows its young generation for
// throughput (up to 16 MB per semi-space on Node 20) and keeps it committed afterwards, and an
// idle process allocates too little to trigger the collection that would free the rest: the
// idle daemon held ~25 MB of RSS it never used again. So: a 1 MB semi-space (a few more
// scavenges per converge), and one full collection after each pass that observed the kernel.
// Both are set at start; V8 reads the limit when the young generation grows, so it applies from
// then on (measured: test/bench/README.md).

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

export function smallYoungGeneration(): void {
  setFlagsFromString('--max-semi-space-size=1');
  setFlagsFromString('--expose-gc');
  collect = runInNewContext('gc') as () => void;
}

/** A full collection, when the daemon is about to go idle after a pass that held dumps. */
export function releaseDumps(): void {
  collect?.();
}

// The daemon lives for months and is idle nearly all the time, but one converge at 1000 VNIs
// allocates tens of MB of short-lived dumps and parse trees. V8 grows its young generation for
// throughput (up to 16 MB per semi-space on Node 20) and keeps it committed afterwards: the idle
// daemon held ~25 MB of RSS it never used again. A 1 MB semi-space costs a few more scavenges
// per converge. Set before the first converge; V8 reads the limit when the young generation
// grows, so it applies from then on (measured: README, Performance).

import { setFlagsFromString } from 'node:v8';

export function smallYoungGeneration(): void {
  setFlagsFromString('--max-semi-space-size=1');
}

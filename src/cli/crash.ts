// EVPN_NODE_CRASH_AT: the test seam of model/crash-points.ts, read here because only the
// CLI reads the environment. `after:<step>` SIGKILLs this process after that step;
// `<batch>:<k>` (e.g. `pre:host:3`, `post:router:-6:0`) after the first k lines of that batch.
// Unset: no crash points at all.
import type { CrashPoints } from '../model/crash-points.js';
import { UsageError } from './errors.js';

export function crashPointsFromEnv(value: string | undefined, die: () => never): CrashPoints | undefined {
  if (value === undefined || value === '') return undefined;
  const after = /^after:([a-z0-9-]+)$/.exec(value);
  if (after) {
    return { after: (step) => (step === after[1] ? die() : undefined), linesOf: () => undefined };
  }
  const lines = /^((?:pre|post):(?:host|router)(?::-6)?):(\d+)$/.exec(value);
  if (lines) {
    const k = Number(lines[2]);
    // applyPlan runs the first k lines, then reports the batch as a step: that is where we die.
    return {
      after: (step) => (step === lines[1] ? die() : undefined),
      linesOf: (batch) => (batch === lines[1] ? k : undefined),
    };
  }
  throw new UsageError(
    `EVPN_NODE_CRASH_AT must be after:<step> or <pre|post>:<host|router>[:-6]:<k>, got ${JSON.stringify(value)}`,
  );
}

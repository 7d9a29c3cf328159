// A converge run by a one-shot command (`apply`, or `try` without a daemon): it owns the node's
// record then, so it writes status.json with the outcome, success or failure. With a daemon
// running, the daemon's record (daemon/publish.ts) is the only one: converge() itself writes
// no status, so the file never holds a half-written view between two writers.

import type { NodeInputs } from './inputs.js';
import { converge, failedStatusOf, statusOf, type ConvergeDeps, type ConvergeReport } from './converge.js';
import { writeStatus } from './state-files.js';
import { messageOf } from '../errors.js';

/** converge(), then status.json says how it went; the error, if any, goes up unchanged. */
export async function convergeRecorded(inputs: NodeInputs, deps: ConvergeDeps): Promise<ConvergeReport> {
  const rt = inputs.config.runtime;
  const start = performance.now();
  let report: ConvergeReport;
  try {
    report = await converge(inputs, deps);
  } catch (e) {
    const message = messageOf(e);
    await writeStatus(rt, failedStatusOf(message, Math.round(performance.now() - start), inputs.files)).catch(
      () => undefined,
    );
    throw e;
  }
  await writeStatus(rt, statusOf(report, inputs.files));
  return report;
}

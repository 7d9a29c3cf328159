// Pure: DesiredKernel x observed host/router namespaces -> the ops that make them match.
// Everything is derived from what is observed (no state file), so a run that failed half-way
// leaves a state the next plan completes. An empty ops list means zero kernel writes.

import type { DesiredKernel } from '../model/desired.js';
import { PlanContext, STEP, type KernelPlan, type ObservedPair, type PlanOptions } from './plan-context.js';
import { adoptUnmarked } from './adopt.js';
import { planAddrs } from './plan-addrs.js';
import { planLinks } from './plan-links.js';
import { planRoutes, planRules, planSysctls } from './plan-routes.js';
import { planUnderlay } from './plan-underlay.js';

export type { KernelPlan, ObservedPair, PlanOptions } from './plan-context.js';

export function planKernel(desired: DesiredKernel, observed: ObservedPair, opts: PlanOptions): KernelPlan {
  // Links a killed run created but did not mark: ours again before anything looks at them.
  const adopted = adoptUnmarked(observed, opts.adopt);
  const ctx = new PlanContext(desired, adopted.observed, opts);
  ctx.emit(STEP.adopt, ...adopted.ops);
  planSysctls(ctx);
  planUnderlay(ctx);
  // Links before addresses and routes: those need to know what is blocked, created or recreated.
  planLinks(ctx);
  planAddrs(ctx);
  planRoutes(ctx);
  planRules(ctx);
  return ctx.plan();
}

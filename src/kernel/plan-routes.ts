// Routes we own (protocol ROUTE_PROTO), the router netns' local-rule order, and sysctls.

import type { DesiredRoute, NsId } from '../model/desired.js';
import { canonicalIp } from '../config/ipaddr.js';
import { ROUTE_PROTO } from '../model/names.js';
import { TABLE_LOCAL, TABLE_MAIN, type ObservedNs, type ObservedRoute } from './observed.js';
import { routeAdd, routeDel, routeReplace, ruleAdd, ruleDel, sysctlOp, type RouteSpec } from './ops.js';
import { PlanContext, STEP, key, nsWord } from './plan-context.js';

/** `default` is ambiguous in a batch line without a gateway; ::/0 always means IPv6. */
export const routeDst = (family: 4 | 6, dst: string): string => (family === 6 && dst === 'default' ? '::/0' : dst);

const sameDst = (r: ObservedRoute, family: 4 | 6, dst: string): boolean =>
  r.family === family && (r.dst === dst || (dst === 'default' && (r.dst === '0.0.0.0/0' || r.dst === '::/0')));

const ipEq = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && canonicalIp(a) === canonicalIp(b);

/** Metric a route gets when added without one. */
const defaultMetric = (family: 4 | 6): number => (family === 4 ? 0 : 1024);

export function planRoutes(ctx: PlanContext): void {
  for (const ns of ['host', 'router'] as const) {
    const obs = ctx.observed[ns];
    const kept = new Set<ObservedRoute>();
    for (const d of ctx.desired.routes.filter((r) => r.ns === ns)) planRoute(ctx, ns, obs, d, kept);
    for (const r of obs.routes) {
      if (r.protocol !== ROUTE_PROTO || kept.has(r) || r.multipath) continue;
      // A route on a link deleted in 'pre' is already gone: deleting it again would fail the batch.
      if (r.dev && (ctx.recreated.has(key(ns, r.dev)) || isDeleted(ctx, ns, r.dev))) continue;
      ctx.emit(
        STEP.staleRoute,
        routeDel(
          ns,
          'post',
          specOf(r),
          `delete route ${r.dst} via ${r.gateway ?? '-'}: added by evpn-node, no longer configured`,
        ),
      );
    }
  }
}

function isDeleted(ctx: PlanContext, ns: NsId, dev: string): boolean {
  const o = ctx.link(ns, dev);
  return !!o && ctx.deleted[ns].has(o.ifindex);
}

export function specOf(r: ObservedRoute): RouteSpec {
  return {
    dst: routeDst(r.family, r.dst),
    ...(r.gateway ? { gateway: r.gateway } : {}),
    ...(r.dev ? { dev: r.dev } : {}),
    table: r.table,
    protocol: r.protocol,
    ...(r.metric ? { metric: r.metric } : {}),
    ...(r.prefsrc ? { prefsrc: r.prefsrc } : {}),
    ...(r.onlink ? { onlink: true } : {}),
  };
}

function planRoute(ctx: PlanContext, ns: NsId, obs: ObservedNs, d: DesiredRoute, kept: Set<ObservedRoute>): void {
  if (ctx.blocked.has(key(ns, d.dev))) return;
  if (!ctx.link(ns, d.dev) && !ctx.desiredLink(ns, d.dev)) {
    ctx.conflict(`route ${d.dst} via ${d.via}: device ${d.dev} not found in the ${nsWord(ns)}`);
    return;
  }
  const main = obs.routes.filter((r) => r.table === TABLE_MAIN && sameDst(r, d.family, d.dst) && !r.multipath);
  const ours = main.filter((r) => r.protocol === ROUTE_PROTO);
  const spec: RouteSpec = { dst: routeDst(d.family, d.dst), gateway: d.via, dev: d.dev };
  const exact = ours.find((r) => ipEq(r.gateway, d.via) && r.dev === d.dev && r.metric === defaultMetric(d.family));
  if (exact) {
    kept.add(exact);
    return;
  }
  const foreign = main.find((r) => r.protocol !== ROUTE_PROTO && r.metric === defaultMetric(d.family));
  if (foreign) {
    ctx.conflict(
      `the ${nsWord(ns)} already has a ${d.dst} route via ${foreign.gateway ?? '-'} dev ${foreign.dev ?? '-'} (protocol ${foreign.protocol}) not created by evpn-node: left in place, ours not added; remove it or turn primary.defaultRoute off`,
    );
    return;
  }
  const old = ours.find((r) => r.metric === defaultMetric(d.family));
  if (old) {
    kept.add(old);
    ctx.emit(
      STEP.route,
      routeReplace(
        ns,
        'post',
        spec,
        `route ${d.dst}: via ${old.gateway ?? '-'} dev ${old.dev ?? '-'} -> via ${d.via} dev ${d.dev}`,
      ),
    );
  } else {
    ctx.emit(STEP.route, routeAdd(ns, 'post', spec, `add route ${d.dst} via ${d.via} dev ${d.dev}`));
  }
}

const LOCAL_FIX_PREF = 32765;

const hasLocalRule = (obs: ObservedNs, family: 4 | 6, pref: number): boolean =>
  obs.rules.some((r) => r.family === family && r.pref === pref && r.table === TABLE_LOCAL && r.plain);

/**
 * With VRFs, the local table rule moves from pref 0 to 32765 (after the l3mdev rule), added
 * before the old one is deleted so there is never a moment without a local rule. Without VRFs
 * the kernel default comes back, in the same add-then-delete order.
 */
export function planRules(ctx: PlanContext): void {
  const obs = ctx.observed.router;
  const wanted = new Set(ctx.desired.rules.map((r) => r.family));
  for (const family of [4, 6] as const) {
    if (family === 6 && !obs.rules6Observed) {
      if (wanted.has(6))
        ctx.conflict(
          'IPv6 rules in the router netns were not observed (observe with rules6): local rule order not checked',
        );
      continue;
    }
    const has0 = hasLocalRule(obs, family, 0);
    const hasFix = hasLocalRule(obs, family, LOCAL_FIX_PREF);
    if (wanted.has(family)) {
      if (!hasFix)
        ctx.emit(
          STEP.rules,
          ruleAdd(
            'router',
            'pre',
            family,
            LOCAL_FIX_PREF,
            `IPv${family}: local table rule at pref ${LOCAL_FIX_PREF}, after the VRF l3mdev rule`,
          ),
        );
      if (has0)
        ctx.emit(
          STEP.rules,
          ruleDel(
            'router',
            'pre',
            family,
            0,
            `IPv${family}: drop the pref 0 local rule (pref ${LOCAL_FIX_PREF} has it now)`,
          ),
        );
    } else if (hasFix) {
      if (!has0)
        ctx.emit(
          STEP.ruleRestore,
          ruleAdd('router', 'post', family, 0, `IPv${family}: no VRF any more: local table rule back at pref 0`),
        );
      ctx.emit(
        STEP.ruleRestore,
        ruleDel('router', 'post', family, LOCAL_FIX_PREF, `IPv${family}: drop the pref ${LOCAL_FIX_PREF} local rule`),
      );
    }
  }
}

export function planSysctls(ctx: PlanContext): void {
  for (const s of ctx.desired.sysctls) {
    const cur = ctx.observed[s.ns].sysctls[s.key];
    if (cur === s.value) continue;
    ctx.emit(0, sysctlOp(s.ns, 'pre', s.key, s.value, `${s.key} is ${cur ?? 'unknown'}, want ${s.value}`));
  }
}

// The evpn_node_* metrics, in one prom-client registry of their own (no process or Node.js
// defaults: the textfile lands in node_exporter, whose node_* and process metrics are the
// node's, not ours). Names follow Prometheus conventions and frr-k8s's (frrk8s_bgp_session_up,
// ..._bfd_session_up): gauges for state, _total counters, _seconds units.
//
// Pure apart from prom-client's own state: the exporter (exporter.ts) feeds it facts and events.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BgpSession } from '../status/bgp-sessions.js';
import type { BfdPeer, VniState } from './frr-state.js';

export const RECONCILE_RESULTS = ['success', 'failure'] as const;
export type ReconcileResult = (typeof RECONCILE_RESULTS)[number];
export const FRR_RELOAD_RESULTS = ['success', 'failure'] as const;
export type FrrReloadResult = (typeof FRR_RELOAD_RESULTS)[number];
/** What a drift check can find out of place (see driftKinds in drift-kinds.ts). */
export const DRIFT_KINDS = ['link', 'address', 'route', 'rule', 'sysctl', 'frr-conf'] as const;

/** Converges take tens of milliseconds at N = 10 and seconds at N = 1000 (README, Performance). */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class EvpnMetrics {
  readonly registry = new Registry();

  readonly buildInfo = this.gauge('evpn_node_build_info', 'Always 1; the labels say which evpn-node runs.', [
    'version',
    'revision',
  ]);
  readonly ready = this.gauge(
    'evpn_node_ready',
    '1 when the node network is ready: READY=1 was sent, the last pass converged and (readiness.underlayEstablished) an underlay BGP session is Established now.',
  );
  readonly configApplied = this.gauge(
    'evpn_node_config_applied',
    '1 when the config in force is the config on disk (a valid edit converged); 0 while an edit is pending, invalid or refused.',
  );
  readonly bgpSessionUp = this.gauge(
    'evpn_node_bgp_session_up',
    '1 when the BGP session is Established (FRR, per VRF and address family).',
    ['vrf', 'peer', 'afi'],
  );
  readonly bgpPrefixesReceived = this.gauge(
    'evpn_node_bgp_prefixes_received',
    'Prefixes received from the peer (FRR pfxRcd).',
    ['vrf', 'peer', 'afi'],
  );
  readonly bfdSessionUp = this.gauge('evpn_node_bfd_session_up', '1 when the BFD session with the peer is up.', [
    'peer',
  ]);
  readonly vniUp = this.gauge(
    'evpn_node_vni_up',
    '1 when FRR runs the configured VNI as configured (an L3VNI as L3 in its VRF, an L2VNI as L2).',
    ['vni', 'type', 'vrf'],
  );
  readonly lastSuccess = this.gauge(
    'evpn_node_last_reconcile_success_timestamp_seconds',
    'Unix time of the last pass (converge or drift check) that left the node converged.',
  );

  readonly reconciles = new Counter({
    name: 'evpn_node_reconcile_total',
    help: 'Converges run, by result (failure: an error, a refused config or objects in the way).',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'evpn_node_reconcile_duration_seconds',
    help: 'Duration of a converge (observe, plan, kernel, frr.conf and reload, verify).',
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly driftRepairs = new Counter({
    name: 'evpn_node_drift_repairs_total',
    help: 'Things a drift check found out of place and the daemon put back, by kind.',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly frrReloads = new Counter({
    name: 'evpn_node_frr_reloads_total',
    help: 'FRR reloads through the reloader, by result (failure: FRR refused the config).',
    labelNames: ['result'],
    registers: [this.registry],
  });

  constructor(build: { version: string; revision: string }) {
    this.buildInfo.set({ version: build.version, revision: build.revision }, 1);
    // Every series a dashboard or an alert divides by exists from the start, at 0.
    for (const result of RECONCILE_RESULTS) this.reconciles.inc({ result }, 0);
    for (const result of FRR_RELOAD_RESULTS) this.frrReloads.inc({ result }, 0);
    for (const kind of DRIFT_KINDS) this.driftRepairs.inc({ kind }, 0);
    this.ready.set(0);
    this.configApplied.set(0);
  }

  private last: { bgp: readonly BgpSession[]; bfd: readonly BfdPeer[]; vnis: readonly VniState[] } = {
    bgp: [],
    bfd: [],
    vnis: [],
  };

  /** The session gauges from FRR's view; sessions FRR no longer has disappear. */
  setBgp(sessions: readonly BgpSession[]): void {
    this.last.bgp = sessions;
    this.bgpSessionUp.reset();
    this.bgpPrefixesReceived.reset();
    for (const s of sessions) {
      const labels = { vrf: s.vrf, peer: s.peer, afi: s.afi };
      this.bgpSessionUp.set(labels, s.state === 'Established' ? 1 : 0);
      this.bgpPrefixesReceived.set(labels, s.pfxRcd ?? 0);
    }
  }

  setBfd(peers: readonly BfdPeer[]): void {
    this.last.bfd = peers;
    this.bfdSessionUp.reset();
    for (const p of peers) this.bfdSessionUp.set({ peer: p.peer }, p.up ? 1 : 0);
  }

  setVnis(vnis: readonly VniState[]): void {
    this.last.vnis = vnis;
    this.vniUp.reset();
    for (const v of vnis) this.vniUp.set({ vni: String(v.vni), type: v.type, vrf: v.vrf }, v.up ? 1 : 0);
  }

  /**
   * FRR could not be asked: every session and VNI we knew of is reported down rather than
   * dropped, so `== 0` alerts fire instead of going quiet on absent series.
   */
  markFrrUnreadable(): void {
    this.setBgp(this.last.bgp.map((s) => ({ ...s, state: 'unknown', pfxRcd: 0 })));
    this.setBfd(this.last.bfd.map((p) => ({ ...p, up: false })));
    this.setVnis(this.last.vnis.map((v) => ({ ...v, up: false })));
  }

  /** The text exposition format (what /metrics serves and the textfile holds). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  private gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }
}

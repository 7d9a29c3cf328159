// Pure: the human form of `status`, compact and aligned like `systemctl status`. Every section
// prints, either with its facts or with "unavailable: why".

import type { StatusReport } from './gather.js';
import { statusVerdict } from './verdict.js';
import { describeWriter } from './writer.js';

export function formatStatus(r: StatusReport, now: Date): string {
  const out: string[] = [];
  const head = (label: string, text: string): void => void out.push(`${`${label}:`.padEnd(12)}${text}`.trimEnd());

  const rec = r.reconcile;
  const v = statusVerdict(r);
  const daemon = rec.found && rec.status.state ? ` (daemon: ${rec.status.state})` : '';
  // The headline is the live verdict (status exits 0 only with the first form).
  out.push(
    v.healthy ? `● evpn-node — converged and healthy${daemon}` : `× evpn-node — NOT healthy: ${v.problems.join('; ')}`,
  );
  head('Config', r.configPath);

  if (r.units.available) {
    head('Units', '');
    out.push(
      ...table(
        r.units.units.map((u) => [`  ${u.name}`, u.loadState, `${u.activeState} (${u.subState})`, u.description]),
      ),
    );
  } else {
    head('Units', `systemd: ${r.units.reason}`);
  }

  head('Router', r.router.ok ? `netns ${r.router.netns}, FRR pid ${r.router.pid}` : `unavailable: ${r.router.error}`);

  if (!rec.found) head('Reconcile', rec.reason);
  else {
    const s = rec.status;
    const what = `${s.kernelOps} kernel change(s)${s.frrReloaded ? ', FRR reloaded' : ''}`;
    head('Reconcile', `${s.ok ? 'ok' : 'FAILED'} at ${s.at} (${ago(s.at, now)}), took ${s.durationMs} ms, ${what}`);
    if (s.error) for (const l of s.error.trim().split('\n')) out.push(`            error: ${l}`);
    for (const c of s.conflicts) out.push(`            conflict: ${c}`);
    if (s.lastError && !s.error)
      out.push(`            last error (${s.lastError.at}): ${s.lastError.message.split('\n')[0] ?? ''}`);
  }

  head('Writer', `${describeWriter(r.writer)}${r.writer.held ? ` (${ago(r.writer.since, now)})` : ''}`);

  const c = r.config;
  const disk = c.onDisk.valid
    ? `valid, sha256 ${short(c.onDisk.sha256)}`
    : `INVALID: ${c.onDisk.error ?? 'see evpn-node validate'}`;
  if (!c.inForce) head('In force', `nothing yet (no last-good.yaml); on disk: ${disk}`);
  else if (c.same) head('In force', `= on disk (sha256 ${short(c.inForce.sha256)}, from ${c.inForce.source})`);
  else head('In force', `sha256 ${short(c.inForce.sha256)} from ${c.inForce.source} — DIFFERS from on disk: ${disk}`);

  if (r.try.state === 'active')
    head(
      'Try',
      `in progress: pid ${r.try.file.pid}, candidate ${r.try.file.candidate ?? '?'}, rolls back at ${r.try.file.deadline} unless confirmed`,
    );
  else if (r.try.state === 'expired')
    head('Try', `OVERDUE: ${r.try.why}; the daemon (or the next apply/teardown/try) kills it and rolls back`);
  else if (r.try.state === 'stale')
    head('Try', `stale try.json (${r.try.why}): the daemon (or the next apply/teardown/try) rolls it back`);

  if (!r.interfaces.ok) head('Interfaces', `unavailable: ${r.interfaces.error}`);
  else {
    head('Interfaces', r.interfaces.routerObserved ? '' : '(host netns only: the router netns is unavailable)');
    out.push(
      ...table(
        r.interfaces.links.map((l) => [
          `  ${l.ns}`,
          l.name,
          l.role,
          l.up ? 'up' : 'DOWN',
          `mtu ${l.mtu}`,
          l.master ? `master ${l.master}` : '',
          l.addrs.join(' '),
        ]),
      ),
    );
  }

  if (!r.bgp.ok) head('BGP', `unavailable: ${r.bgp.error}`);
  else {
    head('BGP', r.bgp.underlay.reason);
    out.push(
      ...table(
        r.bgp.sessions.map((s) => [
          `  ${s.vrf}`,
          s.afi,
          s.peer,
          s.remoteAs !== undefined ? `AS${s.remoteAs}` : '',
          s.state,
          s.uptime ? `up ${s.uptime}` : '',
          s.pfxRcd !== undefined ? `pfx rcvd ${s.pfxRcd} sent ${s.pfxSnt ?? '?'}` : '',
        ]),
      ),
    );
  }
  return `${out.join('\n')}\n`;
}

/** Columns padded to the widest cell; trailing blanks trimmed. */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

export function ago(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (!Number.isFinite(ms)) return 'unknown time';
  if (ms < 0) return 'in the future';
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

const short = (sha: string): string => sha.slice(0, 12);

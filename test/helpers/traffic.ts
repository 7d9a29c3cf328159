// Traffic loss, measured: a fixed train of pings (`ping -c N -i 0.05`) from one netns, started
// before a disruption and counted after it. Every request has a sequence number; a reply that
// never came is a lost packet, and N x interval is the time lost (50 ms per lost ping).

import { execa } from 'execa';

export interface PingTrain {
  /** Resolves when the last reply or time-out is in: the loss of the whole train. */
  done: Promise<Loss>;
}

export interface Loss {
  sent: number;
  lost: number;
  /** Lost time: lost x interval. */
  lostMs: number;
  /** Runs of consecutive lost sequence numbers, as [first, last]. */
  gaps: Array<[number, number]>;
}

export interface PingOptions {
  /** Netns to ping from. */
  ns: string;
  dst: string;
  /** Requests to send (default 300: 15 s at 50 ms). */
  count?: number;
  intervalMs?: number;
}

/**
 * Start the pings and resolve once the first reply came back (the path works before the
 * disruption; a train that never gets one fails here rather than counting a dead path as loss).
 */
export async function startPings(o: PingOptions): Promise<PingTrain> {
  const count = o.count ?? 300;
  const intervalMs = o.intervalMs ?? 50;
  // -W 1: a reply later than a second is a lost packet (a VXLAN path that works answers in < 1 ms).
  const p = execa(
    'ip',
    ['netns', 'exec', o.ns, 'ping', '-n', '-c', String(count), '-i', String(intervalMs / 1000), '-W', '1', o.dst],
    { reject: false, buffer: true },
  );
  let out = '';
  let first: () => void = () => undefined;
  const firstReply = new Promise<void>((r) => (first = r));
  p.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
    if (/bytes from .*icmp_seq=\d+/.test(out)) first();
  });
  const done = p.then((r) => lossOf(String(r.stdout), count, intervalMs));
  const ended = done.then(() => {
    throw new Error(`ping ${o.dst} from ${o.ns}: no reply at all (is the path up?)\n${out.slice(-500)}`);
  });
  await Promise.race([firstReply, ended]);
  return { done };
}

/** Count the replies in ping's output against the `count` requests sent. */
export function lossOf(stdout: string, count: number, intervalMs: number): Loss {
  const got = new Set<number>();
  // Only echo replies count: "From X icmp_seq=N Destination Host Unreachable" is a loss too.
  for (const m of stdout.matchAll(/bytes from .*icmp_seq=(\d+)/g)) got.add(Number(m[1]));
  const gaps: Array<[number, number]> = [];
  for (let s = 1; s <= count; s++) {
    if (got.has(s)) continue;
    const last = gaps.at(-1);
    if (last && last[1] === s - 1) last[1] = s;
    else gaps.push([s, s]);
  }
  const lost = gaps.reduce((n, [a, b]) => n + b - a + 1, 0);
  return { sent: count, lost, lostMs: lost * intervalMs, gaps };
}

export const describeLoss = (l: Loss): string =>
  `${l.lost}/${l.sent} lost (${l.lostMs} ms)${l.gaps.length ? `, gaps ${l.gaps.map(([a, b]) => (a === b ? `#${a}` : `#${a}-${b}`)).join(' ')}` : ''}`;

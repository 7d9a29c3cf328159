// Pure: medians and the printed table.

export const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export const round = (x: number, digits = 1): number =>
  Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x;

/** Samples of every metric of one N, by name; medians computed at the end. */
export class Samples {
  readonly data: Record<string, number[]> = {};
  add(name: string, v: number): void {
    (this.data[name] ??= []).push(v);
  }
  median(name: string): number {
    return median(this.data[name] ?? []);
  }
  medians(): Record<string, number> {
    return Object.fromEntries(Object.keys(this.data).map((k) => [k, round(this.median(k), 2)]));
  }
}

/** A fixed-width table: first column labels, one column per N. */
export function formatTable(header: string[], rows: Array<[string, ...string[]]>): string {
  const all = [header, ...rows.filter((r) => !r[0].startsWith('#'))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map((r) => (r[0].startsWith('#') ? r[0].slice(1) : line(r))),
  ].join('\n');
}

export const ms = (x: number | undefined): string =>
  x === undefined || !Number.isFinite(x) ? '-' : x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`;
export const ratio = (x: number | undefined): string =>
  x === undefined || !Number.isFinite(x) ? '-' : `${x.toFixed(x >= 10 ? 0 : 2)}x`;

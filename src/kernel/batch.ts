// Op[] -> `ip -batch` text, one line per op. ip splits batch lines on whitespace (with its own
// quoting rules), so every argument is checked against a closed character set before it is
// written: defence in depth behind config validation.

import type { NsId } from '../model/desired.js';
import type { IpOp, Op, Phase } from './ops.js';

const SAFE_ARG = /^[A-Za-z0-9._:/@+-]+$/;

export class UnsafeArgError extends Error {
  override name = 'UnsafeArgError';
}

/** Lines of one batch. Throws naming the op and argument when an argument could smuggle syntax. */
export function renderBatch(ops: IpOp[]): string {
  return ops.map((op) => `${batchLine(op)}\n`).join('');
}

export function batchLine(op: IpOp): string {
  for (const a of op.args) {
    if (!SAFE_ARG.test(a) || a.startsWith('#'))
      throw new UnsafeArgError(
        `refusing ip argument ${JSON.stringify(a)} (in "${op.why}"): only [A-Za-z0-9._:/@+-] may reach ip -batch`,
      );
  }
  return op.args.join(' ');
}

export interface Batch {
  ns: NsId;
  phase: Phase;
  /** Global ip options of this process (['-6'] for IPv6 rule lines: batch lines cannot carry options). */
  flags: string[];
  ops: IpOp[];
}

/** The ip processes of one (phase, ns), in order: the main batch, then the IPv6 one if any. */
export function batchesFor(ops: Op[], phase: Phase, ns: NsId): Batch[] {
  const mine = ops.filter((o): o is IpOp => o.kind === 'ip' && o.phase === phase && o.ns === ns);
  const v4 = mine.filter((o) => o.args[0] !== '-6');
  const v6 = mine.filter((o) => o.args[0] === '-6').map((o) => ({ ...o, args: o.args.slice(1) }));
  return [
    ...(v4.length ? [{ ns, phase, flags: [], ops: v4 }] : []),
    ...(v6.length ? [{ ns, phase, flags: ['-6'], ops: v6 }] : []),
  ];
}

/** `Command failed -:N` (1-based line) from ip's stderr. */
export function failedLine(stderr: string): number | undefined {
  const m = /Command failed -:(\d+)/.exec(stderr);
  return m ? Number(m[1]) : undefined;
}

// Capped exponential backoff for the waits at start-up and after failures (FRR not there yet,
// NIC missing, kernel refused a batch): quick at first, then every `maxMs`, never a hot loop.

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
}

export class Backoff {
  private nextMs: number;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 500;
    this.maxMs = opts.maxMs ?? 10_000;
    this.factor = opts.factor ?? 2;
    this.nextMs = this.initialMs;
  }

  /** The delay before the next attempt; each call grows the following one up to the cap. */
  next(): number {
    const d = this.nextMs;
    this.nextMs = Math.min(this.maxMs, Math.round(this.nextMs * this.factor));
    return d;
  }

  /** After a success: the next wait starts short again. */
  reset(): void {
    this.nextMs = this.initialMs;
  }
}

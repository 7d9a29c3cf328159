// Reconciles never overlap: a trigger while one runs only marks "again" (with the reasons
// merged), and one more pass runs when it ends. A storm of triggers costs at most two passes.

export class SingleFlight<R extends string> {
  private running: Promise<void> | undefined;
  private pending = new Set<R>();
  private stopped = false;

  constructor(private readonly pass: (reasons: ReadonlySet<R>) => Promise<void>) {}

  /** Ask for a pass; returns once the pass that will include this trigger has finished. */
  trigger(reason: R): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.pending.add(reason);
    if (!this.running) this.running = this.loop();
    return this.running;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** No new passes; resolves when the one in flight (if any) has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.clear();
    await this.running;
  }

  private async loop(): Promise<void> {
    try {
      while (this.pending.size > 0 && !this.stopped) {
        const reasons = this.pending;
        this.pending = new Set<R>();
        await this.pass(reasons);
      }
    } finally {
      this.running = undefined;
    }
  }
}

// Trailing debounce for file events: editors write in bursts (temp file, rename, chmod), and a
// script may write a file 100 times in a row. One call `waitMs` after the last event, and at
// the latest `maxWaitMs` after the first, so a file rewritten forever still gets reconciled.

export interface Debounced {
  (): void;
  cancel(): void;
}

export function debounce(fn: () => void, waitMs: number, maxWaitMs = Math.max(waitMs * 10, 5_000)): Debounced {
  let timer: NodeJS.Timeout | undefined;
  let firstAt: number | undefined;
  const fire = (): void => {
    timer = undefined;
    firstAt = undefined;
    fn();
  };
  const d = (): void => {
    const now = Date.now();
    firstAt ??= now;
    if (timer) clearTimeout(timer);
    const delay = Math.max(0, Math.min(waitMs, firstAt + maxWaitMs - now));
    timer = setTimeout(fire, delay);
  };
  d.cancel = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    firstAt = undefined;
  };
  return d;
}

// Pure: how a try waits for its decision. Events in, at most one outcome out, plus the
// countdown lines worth printing (every 10 s, every 5 s in the last 30 s — not every tick).

export type TryEvent =
  | { kind: 'tick'; now: number }
  /** ENTER, SIGUSR1 (which `try --confirm` sends). */
  | { kind: 'confirm'; via: string }
  /** The readiness checks passed (only counts with --auto-confirm-when-ready). */
  | { kind: 'ready'; detail: string }
  /** SIGINT, SIGTERM, a lost terminal: roll back now. */
  | { kind: 'abort'; why: string };

export type TryOutcome = { decision: 'confirm'; via: string } | { decision: 'rollback'; why: string };

export interface WaitState {
  /** Epoch ms at which the try rolls back. */
  deadline: number;
  timeoutS: number;
  autoConfirm: boolean;
  /** Remaining seconds last announced. */
  announced?: number;
}

export interface WaitStep {
  state: WaitState;
  outcome?: TryOutcome;
  /** A countdown line to print now. */
  announce?: string;
}

export function startWait(now: number, timeoutS: number, autoConfirm: boolean): WaitState {
  return { deadline: now + timeoutS * 1000, timeoutS, autoConfirm, announced: timeoutS };
}

export function step(state: WaitState, ev: TryEvent): WaitStep {
  switch (ev.kind) {
    case 'confirm':
      return { state, outcome: { decision: 'confirm', via: ev.via } };
    case 'ready':
      return state.autoConfirm
        ? { state, outcome: { decision: 'confirm', via: `readiness checks passed (${ev.detail})` } }
        : { state };
    case 'abort':
      return { state, outcome: { decision: 'rollback', why: ev.why } };
    case 'tick': {
      const remainingMs = state.deadline - ev.now;
      if (remainingMs <= 0)
        return { state, outcome: { decision: 'rollback', why: `not confirmed within ${state.timeoutS} s` } };
      const remaining = Math.ceil(remainingMs / 1000);
      const mark = announceMark(remaining);
      if (mark !== undefined && mark < (state.announced ?? Infinity)) {
        return { state: { ...state, announced: mark }, announce: `rolling back in ${mark} s unless confirmed` };
      }
      return { state };
    }
  }
}

/** The mark to announce at `remaining` seconds, if it is one: multiples of 10, of 5 in the last 30 s. */
export function announceMark(remaining: number): number | undefined {
  const every = remaining <= 30 ? 5 : 10;
  return remaining % every === 0 ? remaining : undefined;
}

// Errors: the one base class for failures an operator can act on, and how any thrown value reads.
// The CLI maps exit codes by class (cli/index.ts: an OperationalError is exit 1 with its message,
// anything else is a bug and prints its stack); the modules that throw need not be loaded for it.

export interface OperationalErrorOptions {
  /** The error this one wraps (shown by `util.inspect` and pino, not in the message). */
  cause?: unknown;
  /** What to check, printed on a line of its own after the message. */
  hint?: string;
}

/**
 * A failure with a message meant for the operator (FRR not running, the kernel refused a change,
 * the daemon did not answer): no stack trace, exit 1. Subclasses name where it happened.
 */
export class OperationalError extends Error {
  override name = 'OperationalError';
  readonly hint: string | undefined;
  constructor(message: string, options: OperationalErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.hint = options.hint;
  }
}

/** The message of whatever was thrown (a non-Error value reads as itself). */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

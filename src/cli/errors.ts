// Errors the CLI maps to exit codes (index.ts is the only place that does): 2 for an invalid
// config or usage, 1 for a runtime failure (any OperationalError, ../errors.ts). Anything else
// is a bug and prints its stack.

import { OperationalError } from '../errors.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

/** A runtime failure with a message meant for the operator (no stack trace). */
export class RuntimeFailure extends OperationalError {
  override name = 'RuntimeFailure';
}

export const EXIT = { ok: 0, failure: 1, invalid: 2, changes: 3 } as const;

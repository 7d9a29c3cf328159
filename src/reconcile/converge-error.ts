// What a converge throws (the CLI exits 1 on an OperationalError, no stack), apart from the
// module that converges so that the FRR push (frr-push.ts) throws them too.

import { OperationalError } from '../errors.js';

export class ConvergeError extends OperationalError {
  override name = 'ConvergeError';
}

/** FRR refused the rendered config (frr-reload.py --test or --reload): the previous frr.conf stays. */
export class FrrRefusedError extends ConvergeError {
  override name = 'FrrRefusedError';
}

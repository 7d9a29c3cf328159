// Last line of defence against config injection: every value that reaches frr.conf must be one
// token FRR reads as one word. A space would add arguments, a newline a whole command, `!` or
// `#` start a comment in frr-reload.py's parser. Validation refuses such values first; this check
// makes sure a bug there (or a new field) cannot turn into an FRR command.

/** Names, addresses, prefixes, ASNs, route targets: a deliberately small alphabet. */
const PLAIN_TOKEN = /^[A-Za-z0-9._:/*-]+$/;
/** Passwords: any printable ASCII but space, `!` and `#` (FRR takes the rest verbatim). */
const SECRET_TOKEN = /^[\x22\x24-\x7e]+$/;
const SECRET_FIELDS = new Set(['password']);
/** Verbatim by design (frr.rawConfig): the operator's own FRR syntax. */
const EXEMPT_FIELDS = new Set(['rawConfig']);

export class UnsafeFrrValueError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`frr.conf value ${field}: ${reason}`);
    this.name = 'UnsafeFrrValueError';
  }
}

/** Throws UnsafeFrrValueError naming the first field whose value is not a single safe token. */
export function assertSafeValues(value: unknown, path = 'model'): void {
  if (value === null || typeof value === 'boolean') return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertSafeValues(v, `${path}[${i}]`));
    return;
  }
  if (typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (EXEMPT_FIELDS.has(key)) continue;
      if (SECRET_FIELDS.has(key) && v !== null) assertSecret(v, `${path}.${key}`);
      else assertSafeValues(v, `${path}.${key}`);
    }
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new UnsafeFrrValueError(path, `${value} is not a non-negative integer`);
    return;
  }
  if (typeof value === 'string') {
    if (!PLAIN_TOKEN.test(value))
      throw new UnsafeFrrValueError(path, `${JSON.stringify(value)} is not a single token of [A-Za-z0-9._:/*-]`);
    return;
  }
  throw new UnsafeFrrValueError(path, `unexpected ${typeof value}`);
}

/** The value itself never appears in the error: it is a secret. */
function assertSecret(value: unknown, path: string): void {
  if (typeof value !== 'string' || !SECRET_TOKEN.test(value)) {
    throw new UnsafeFrrValueError(path, 'must be printable ASCII without space, "!" or "#" (value not shown)');
  }
}

// Redact secrets in FRR config text we did not render ourselves or cannot vouch for: the
// frr.conf on disk (plan's diff), frr.rawConfig (verbatim from the operator), and whatever the
// reloader relays from frr-reload.py and vtysh (errors, status.json, logs).
//
// The secret is everything after the keyword, to the end of the line, whatever it looks like:
// FRR's own encryption words (`password 7 HASH`, `isis password md5 KEY`) are hidden with it, so
// a password that is itself `7`, `md5` or `clear` cannot pass for that word and leave the next
// token (or the next line) to be masked instead. scripts/frr-reloader redacts the same way; the
// same cases are fed to both in test/unit/frr/redact.test.ts.

/** What a secret prints as. */
export const REDACTED = '<redacted>';

/**
 * The commands that carry a secret: bgp `neighbor X password`, vty and isis passwords
 * (`password`, `enable password`, `area-password`, `domain-password`), OSPF/OSPFv3/RIP keys and
 * key-chain keys.
 */
const SECRET_LINE =
  /(\b(?:password|authentication-key|key-string|authentication[ \t]+string|message-digest-key[ \t]+\d+[ \t]+md5|hash-algo[ \t]+\S+[ \t]+key)[ \t]+)([^\r\n]*)/g;

/** Secrets shorter than this are not also replaced wherever they appear (it would shred the text). */
export const MIN_LITERAL_SECRET = 4;

/**
 * `text` with every secret-bearing line cut after its keyword, then every known secret
 * (`secrets`, e.g. from secretsIn(frr.conf)) of at least MIN_LITERAL_SECRET characters replaced
 * wherever it still appears (frr-reload.py also prints config lines as Python reprs).
 */
export function redactFrrText(text: string, secrets: Iterable<string> = []): string {
  let out = text.replace(SECRET_LINE, `$1${REDACTED}`);
  const literal = [...new Set(secrets)]
    .filter((s) => s.length >= MIN_LITERAL_SECRET && s !== REDACTED)
    .sort((a, b) => b.length - a.length);
  for (const s of literal) out = out.split(s).join(REDACTED);
  return out;
}

/**
 * The secrets an FRR config text holds: each secret line's value, and its last word (the key
 * after an encryption word such as `md5`, which is no secret and must not be masked everywhere).
 */
export function secretsIn(configText: string): string[] {
  const found = new Set<string>();
  for (const m of configText.matchAll(SECRET_LINE)) {
    const value = (m[2] ?? '').trim();
    if (!value || value === REDACTED) continue;
    found.add(value);
    found.add(value.split(/[ \t]+/).pop() ?? value);
  }
  return [...found];
}

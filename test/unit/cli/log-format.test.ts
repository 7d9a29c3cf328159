// The journal form of the daemon's log: one syslog priority per line ("<4>..."), the message
// readable, the structured fields kept as logfmt, never a newline inside an entry (journald would
// split it and file the rest at the default priority).
import { describe, expect, test } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger, journalLine } from '../../../src/log.js';

function capture(): { stream: Writable; lines: () => string[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, lines: () => text.split('\n').filter(Boolean) };
}

describe('journal lines', () => {
  test('priority by level: debug 7, info 6, warn 4, error 3, fatal 2', () => {
    const at = '2026-01-01T00:00:00.000Z';
    expect([20, 30, 40, 50, 60].map((level) => journalLine(JSON.stringify({ level, time: at, msg: 'm' })))).toEqual([
      '<7>m',
      '<6>m',
      '<4>m',
      '<3>m',
      '<2>m',
    ]);
  });

  test('fields as logfmt after the message: bare tokens, quoted text, JSON for the rest; no timestamp', () => {
    const line = journalLine(
      JSON.stringify({
        level: 40,
        time: 'T',
        msg: 'drift: link vni110 is down',
        ns: 'router',
        kernelOps: 3,
        why: 'two words',
        detail: { a: 1 },
      }),
    );
    expect(line).toBe('<4>drift: link vni110 is down ns=router kernelOps=3 why="two words" detail="{\\"a\\":1}"');
  });

  test('newlines in the message and in values stay inside the one entry', () => {
    const line = journalLine(
      JSON.stringify({ level: 50, time: 'T', msg: 'FRR refused\n% Unknown command', err: 'line one\nline two' }),
    );
    expect(line).toBe('<3>FRR refused\\n% Unknown command err="line one\\nline two"');
    expect(line).not.toContain('\n');
    // Other control characters are quoted too: a field is one token or a JSON string.
    expect(journalLine(JSON.stringify({ level: 30, msg: 'm', x: 'a\u0007b' }))).toBe('<6>m x="a\\u0007b"');
  });

  test('createLogger({journal}): every level on the one stream, in order, each with its prefix', () => {
    const out = capture();
    const err = capture();
    const log = createLogger({ level: 'debug', journal: true, infoStream: out.stream, errorStream: err.stream });
    log.debug('d');
    log.info({ kernelOps: 0 }, 'converged');
    log.warn({ ns: 'router' }, 'drift');
    log.error('failed');
    expect(out.lines()).toEqual(['<7>d', '<6>converged kernelOps=0', '<4>drift ns=router', '<3>failed']);
    expect(err.lines()).toEqual([]);
  });

  test('secrets stay redacted in the journal form too', () => {
    const out = capture();
    createLogger({ journal: true, infoStream: out.stream }).warn({ neighbor: { password: 's3cret' } }, 'x');
    expect(out.lines().join('\n')).not.toContain('s3cret');
  });
});

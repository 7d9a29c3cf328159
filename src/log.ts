// Logging: pino, in one of three forms chosen by whoever starts us (src/cli/):
//  - JSON lines (the default off a terminal: pipes, tests, the bench): info and below on one
//    stream, warnings and errors on stderr;
//  - pretty on a terminal ("12:00:01 INFO  applied ops=3 durationMs=41"), the same split;
//  - journal: stdout is systemd's journal stream (the controller runs with podman's passthrough
//    log driver): every line is "<N>message key=value ..." on that one stream, N the syslog
//    priority journald files it under (sd-daemon(3) level prefixes; warn 4, error 3, debug 7),
//    the structured fields kept as logfmt after the message. Why not the native protocol
//    (fields as journal fields): it is AF_UNIX datagrams to /run/systemd/journal/socket, which
//    Node's core cannot send (the reason READY=1 goes through systemd-notify too), and one
//    process per log line is no answer.

import pino, { type Logger, type DestinationStream } from 'pino';
import { Writable } from 'node:stream';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level?: LogLevel;
  /** Where info/debug lines go (the CLI's one-shot commands use stderr to keep stdout for output). */
  infoStream?: NodeJS.WritableStream;
  errorStream?: NodeJS.WritableStream;
  pretty?: boolean;
  /** Journal stream format on `infoStream` alone (see above); wins over `pretty`. */
  journal?: boolean;
}

/** Keys that must never be printed, wherever they appear in a log object. */
const REDACT = ['password', '*.password', '*.*.password', 'secret', '*.secret'];

export function createLogger(opts: LoggerOptions = {}): Logger {
  const info = opts.infoStream ?? process.stdout;
  const err = opts.errorStream ?? process.stderr;
  const wrap = (s: NodeJS.WritableStream): DestinationStream => (opts.pretty ? prettyStream(s) : s);
  // The journal needs one stream: journald orders lines per stream, and each carries its priority.
  const streams = opts.journal
    ? pino.multistream([{ level: 'trace', stream: lineStream(info, journalLine) }])
    : pino.multistream([
        { level: 'trace', stream: onlyBelow(wrap(info), 40) },
        { level: 'warn', stream: wrap(err) },
      ]);
  return pino(
    {
      level: opts.level ?? 'info',
      base: undefined,
      redact: { paths: REDACT, censor: '<redacted>' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    streams,
  );
}

/** A stream that drops lines at or above `maxLevel` (those go to the error stream). */
function onlyBelow(dest: DestinationStream, maxLevel: number): DestinationStream {
  return {
    write(line: string) {
      const m = /"level":(\d+)/.exec(line);
      if (m && Number(m[1]) >= maxLevel) return;
      dest.write(line);
    },
  };
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

const prettyStream = (out: NodeJS.WritableStream): DestinationStream => lineStream(out, prettyLine);

/** Each JSON line pino writes, rewritten by `format`. */
function lineStream(out: NodeJS.WritableStream, format: (line: string) => string): DestinationStream {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) {
        if (line) out.write(`${format(line)}\n`);
      }
      done();
    },
  });
}

/** pino level -> syslog priority (sd-daemon.h SD_*): fatal 2 (crit), error 3, warn 4, info 6, debug and trace 7. */
const PRIORITY: Record<number, number> = { 10: 7, 20: 7, 30: 6, 40: 4, 50: 3, 60: 2 };

/**
 * One pino JSON line as a journal stream line: "<N>message key=value key2=\"two words\"". No
 * timestamp (journald stamps each entry) and no newline inside: journald would split the entry
 * and file the continuation at the default priority, so newlines in the message and in values
 * are written as \n.
 */
export function journalLine(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `<6>${line.replace(/\n/g, '\\n')}`;
  }
  const { level, time: _time, msg, ...rest } = o;
  const priority = PRIORITY[level as number] ?? 6;
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${logfmtValue(v)}`);
  const text = (typeof msg === 'string' ? msg : msg === undefined ? '' : JSON.stringify(msg)).replace(/\r?\n/g, '\\n');
  return `<${priority}>${[text, ...fields].join(' ')}`;
}

/** A logfmt value: bare when it is one plain token, else a JSON string (quotes, escapes). */
function logfmtValue(v: unknown): string {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  const control = [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  return !control && /^[^\s"=\\]+$/.test(s) ? s : JSON.stringify(s);
}

export function prettyLine(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, time, msg, ...rest } = o;
  const t = typeof time === 'string' ? time.slice(11, 19) : '';
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${t} ${(LEVEL_NAMES[level as number] ?? String(level)).padEnd(5)} ${msg == null ? '' : typeof msg === 'string' ? msg : JSON.stringify(msg)}${fields ? `  ${fields}` : ''}`;
}

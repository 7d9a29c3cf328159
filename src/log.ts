// Logging: pino JSON lines (journald takes them through conmon). Info and below go to one
// stream, warnings and errors to stderr. On a terminal the lines are made readable
// ("12:00:01 INFO  applied ops=3 durationMs=41") without another dependency.

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
}

/** Keys that must never be printed, wherever they appear in a log object. */
const REDACT = ['password', '*.password', '*.*.password', 'secret', '*.secret'];

export function createLogger(opts: LoggerOptions = {}): Logger {
  const info = opts.infoStream ?? process.stdout;
  const err = opts.errorStream ?? process.stderr;
  const wrap = (s: NodeJS.WritableStream): DestinationStream => (opts.pretty ? prettyStream(s) : s);
  const streams = pino.multistream(
    [
      { level: 'trace', stream: onlyBelow(wrap(info), 40) },
      { level: 'warn', stream: wrap(err) },
    ],
  );
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

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

function prettyStream(out: NodeJS.WritableStream): DestinationStream {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) {
        if (line) out.write(`${prettyLine(line)}\n`);
      }
      done();
    },
  });
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

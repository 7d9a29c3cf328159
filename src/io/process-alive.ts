// Is a pid a live process, and the same one it was? Read from /proc/PID/stat: a zombie (killed,
// not yet reaped by its parent) is dead for us, and a pid reused by another process is told
// apart by its start time (field 22, clock ticks since boot).

import { readFileSync } from 'node:fs';

export interface ProcInfo {
  /** R, S, D, T (stopped: Ctrl-Z), t, Z (zombie), ... */
  state: string;
  /** Start time in clock ticks since boot, as printed: compared as text. */
  startTime: string;
}

/** Pure: the fields of a /proc/PID/stat line we need ("pid (comm) state ... field22 ..."). */
export function parseProcStat(text: string): ProcInfo | undefined {
  // comm may hold spaces and parentheses: the fields start after the LAST ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const startTime = rest[19];
  if (!state || !startTime || !/^\d+$/.test(startTime)) return undefined;
  return { state, startTime };
}

export function procInfo(pid: number, procDir = '/proc'): ProcInfo | undefined {
  try {
    return parseProcStat(readFileSync(`${procDir}/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Alive = /proc/PID exists and is not a zombie (and, given `startTime`, started then). Where
 * /proc cannot be read, signal 0 decides (ESRCH: gone; EPERM: exists, not ours).
 */
export function processAlive(pid: number, startTime?: string): boolean {
  const info = procInfo(pid);
  if (info) return info.state !== 'Z' && (startTime === undefined || info.startTime === startTime);
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

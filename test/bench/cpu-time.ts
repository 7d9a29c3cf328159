// IO: CPU time from /proc/PID/stat. cpuMsWithChildren: this process and the children it has
// waited for (utime + stime + cutime + cstime), in ms. Around a converge() that is evpn-node's own
// work plus every `ip` it ran: the figure that does not stretch when other work shares the CPUs.
// statFields/cpuTicks: the same fields of another process (the idle daemon, FRR's daemons).

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc/PID/stat (USER_HZ, 100 on Linux). */
export const CLK_TCK = 100;

/** Fields after the ")" of comm: index 0 is state (field 3), 1 ppid, 11 utime, 12 stime, 13 cutime, 14 cstime. */
const fieldsOf = (stat: string): string[] => stat.slice(stat.lastIndexOf(')') + 2).split(' ');

export const statFields = async (pid: number): Promise<string[]> =>
  fieldsOf(await readFile(`/proc/${pid}/stat`, 'utf8'));

/** utime + stime of a process, in ticks. */
export const ownTicks = (f: string[]): number => Number(f[11]) + Number(f[12]);

/** utime + stime + cutime + cstime (the children it waited for), in ticks. */
export const ticksWithChildren = (f: string[]): number => ownTicks(f) + Number(f[13]) + Number(f[14]);

export function cpuMsWithChildren(): number {
  return (ticksWithChildren(fieldsOf(readFileSync('/proc/self/stat', 'utf8'))) * 1000) / CLK_TCK;
}

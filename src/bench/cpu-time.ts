// IO: CPU time of this process and of the children it has waited for (utime + stime + cutime +
// cstime from /proc/self/stat), in ms. Around a converge() that is evpn-node's own work plus
// every `ip` it ran: the figure that does not stretch when other work shares the CPUs.

import { readFileSync } from 'node:fs';

const CLK_TCK = 100;

export function cpuMsWithChildren(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the ")" of comm: state is field 3, utime 14 ... cstime 17.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK;
}

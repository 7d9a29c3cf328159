// IO: every link/address/route/rule event `ip monitor` reports while an operation runs: the
// proof that a no-op reconcile wrote nothing to the kernel.

import { execa } from 'execa';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Events `ip monitor` saw in the given namespaces (undefined = current) while `fn` ran. */
export async function netlinkEvents<T>(
  namespaces: Array<string | undefined>,
  fn: () => Promise<T>,
): Promise<{ result: T; events: string[] }> {
  const mons = namespaces.map((ns) => ({
    ns,
    p: execa('ip', [...(ns ? ['-n', ns] : []), 'monitor', 'link', 'address', 'route', 'rule'], {
      reject: false,
      buffer: true,
    }),
  }));
  await sleep(300); // let ip monitor subscribe before the operation starts
  const result = await fn();
  await sleep(300);
  const events: string[] = [];
  for (const m of mons) {
    m.p.kill('SIGTERM');
    const r = await m.p;
    for (const line of String(r.stdout ?? '').split('\n')) if (line.trim()) events.push(`${m.ns ?? 'host'}: ${line}`);
  }
  return { result, events };
}

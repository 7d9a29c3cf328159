// Every process evpn-node starts and waits for is bounded in time: past its timeout it is
// killed with its whole process group, and the call fails naming the command and the time.
// Real processes (sh, sleep), no root needed.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { CommandTimeoutError, runCaptured } from '../../../src/io/capture.js';

/** Processes whose command line holds `marker`. */
const alive = (marker: string): string[] => {
  try {
    return execFileSync('pgrep', ['-f', marker]).toString().trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

test('a hung command is killed with its children, and the error names it and its timeout', async () => {
  // A distinct sleep length marks this test's processes.
  const secs = `31${randomBytes(2).readUInt16BE() % 1000}`;
  const t = performance.now();
  const e = await runCaptured('sh', ['-c', `sleep ${secs} & sleep ${secs}; wait`], undefined, { timeoutMs: 300 }).catch(
    (x: unknown) => x,
  );
  expect(performance.now() - t).toBeLessThan(5000);
  expect(e).toBeInstanceOf(CommandTimeoutError);
  expect((e as Error).message).toBe(
    `sh -c sleep ${secs} & sleep ${secs}; wait did not finish within 0.3 s: killed it and its process group`,
  );
  await new Promise((r) => setTimeout(r, 200));
  expect(alive(`sleep ${secs}`)).toEqual([]);
});

test('a child that left the group and holds stderr open does not hold the caller', async () => {
  const secs = `32${randomBytes(2).readUInt16BE() % 1000}`;
  const t = performance.now();
  // setsid: a new session, out of reach of the group kill, with our stderr pipe.
  const e = await runCaptured('sh', ['-c', `setsid sleep ${secs} & sleep ${secs}`], undefined, {
    timeoutMs: 300,
  }).catch((x: unknown) => x);
  expect(performance.now() - t).toBeLessThan(5000);
  expect(e).toBeInstanceOf(CommandTimeoutError);
  execFileSync('pkill', ['-f', `sleep ${secs}`]);
});

test('a command within its time: output, stderr and exit code as before', async () => {
  const r = await runCaptured('sh', ['-c', 'cat; echo err >&2; exit 3'], 'in\n', { timeoutMs: 5000 });
  expect(r).toEqual({ stdout: 'in\n', stderr: 'err\n', exitCode: 3 });
});

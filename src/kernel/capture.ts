// IO: run a process with its stdout captured in an unlinked temporary file instead of a pipe.
// ip writes through a 4 KB stdio buffer, so a pipe hands an `ip -j -d` dump to node in ~2 KB
// chunks: at 1000 VNIs, ~2000 callbacks and 45-90 ms of node CPU per 4 MB dump (execa), against
// ~15 ms to read the file back in one go. The file is unlinked before ip starts: nothing is
// left behind, whatever happens.

import { spawn } from 'node:child_process';
import { open, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a finished process left: its output and exit code (the runner in runner.ts hands it on). */
export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** `file ...args` with `input` on stdin (none: /dev/null). Never throws on a non-zero exit. */
export async function runCaptured(file: string, args: string[], input?: string): Promise<RunResult> {
  const path = join(tmpdir(), `evpn-node-${process.pid}-${randomBytes(6).toString('hex')}.out`);
  const out = await open(path, 'wx+', 0o600);
  try {
    await unlink(path);
    const { exitCode, stderr } = await new Promise<{ exitCode: number; stderr: string }>((resolve, reject) => {
      const child = spawn(file, args, { stdio: [input === undefined ? 'ignore' : 'pipe', out.fd, 'pipe'] });
      const err: Buffer[] = [];
      child.stderr!.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => reject(new Error(`${file}: could not start: ${e.message}`)));
      child.on('close', (code) => resolve({ exitCode: code ?? 1, stderr: Buffer.concat(err).toString('utf8') }));
      if (child.stdin) {
        // A child that exits without reading its input (a usage error) must not crash us with EPIPE.
        child.stdin.on('error', () => undefined);
        child.stdin.end(input);
      }
    });
    // The child shared our file offset: read by position.
    const { size } = await out.stat();
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await out.read(buf, got, size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { stdout: buf.toString('utf8', 0, got), stderr, exitCode };
  } finally {
    await out.close();
  }
}

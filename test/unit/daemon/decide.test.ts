// The daemon's pure decisions, one case per behaviour its integration tests prove on the fabric
// (test/integration/daemon.test.ts, try-daemon.test.ts, writer-lock.test.ts): each case plays a
// pass through decide() with what every step finds, and checks the steps the pass takes.
import { describe, expect, test } from 'vitest';
import {
  decide,
  frrSeen,
  rereads,
  settleConverge,
  settleFailure,
  type PassFacts,
  type Reason,
  type Step,
} from '../../../src/daemon/decide.js';
import { missingNics } from '../../../src/daemon/state.js';

type Holding = Pick<PassFacts, 'state' | 'inForce' | 'candidate' | 'identityPending'>;
/** What each step finds (and how it changes what the daemon holds, for read-config). */
type World = {
  lockHeld?: boolean;
  tornDown?: boolean;
  tryActive?: boolean;
  /** What the daemon holds after a read. */
  afterRead?: Partial<Holding>;
  frr?: PassFacts['frr'];
  frrOff?: PassFacts['frrOff'];
  kernelQuiet?: boolean;
  kernelDrifted?: boolean;
};

const CONVERGED: Holding = { state: 'converged', inForce: true, candidate: false, identityPending: false };
const BOOT: Holding = { state: 'starting', inForce: false, candidate: false, identityPending: false };

/** Run one pass: the steps decide() asks for, in order, up to the one that ends it. */
function play(reasons: Reason[], holding: Holding, w: World = {}): string[] {
  let h = { ...holding };
  const found: Partial<PassFacts> = {};
  const steps: string[] = [];
  for (let i = 0; i < 20; i++) {
    const s: Step = decide({ reasons, ...h, ...found });
    steps.push(s.do === 'done' ? `done:${s.why}` : s.do === 'converge' ? `converge${s.pushFrr ? '+push' : ''}` : s.do);
    switch (s.do) {
      case 'take-lock':
        found.lockHeld = w.lockHeld ?? true;
        break;
      case 'check-torn-down':
        found.tornDown = w.tornDown ?? false;
        break;
      case 'check-try':
        found.tryActive = w.tryActive ?? false;
        break;
      case 'read-config':
        found.read = true;
        h = { ...h, ...w.afterRead };
        break;
      case 'keep-config':
        found.read = false;
        break;
      case 'note-identity':
        found.identityNoted = true;
        break;
      case 'find-frr':
        found.frr = w.frr ?? 'same';
        break;
      case 'check-frr':
        found.frrOff = w.frrOff ?? false;
        break;
      case 'ask-netlink':
        found.kernelQuiet = w.kernelQuiet ?? true;
        break;
      case 'look-kernel':
        found.kernelDrifted = w.kernelDrifted ?? false;
        break;
      default:
        return steps;
    }
  }
  throw new Error(`no end: ${steps.join(' ')}`);
}

const GATES = ['take-lock', 'check-torn-down', 'check-try'];

describe('decide: one pass', () => {
  test('start-up: read the config, find FRR, converge', () => {
    expect(play(['boot'], BOOT, { afterRead: { candidate: true }, frr: 'first' })).toEqual([
      ...GATES,
      'read-config',
      'find-frr',
      'converge',
    ]);
  });

  test('an edit that adds a VNI: read, converge the candidate (no drift look first)', () => {
    expect(play(['config'], CONVERGED, { afterRead: { candidate: true } })).toEqual([
      ...GATES,
      'read-config',
      'find-frr',
      'converge',
    ]);
  });

  test('a broken edit: read, the config in force stays, no reconcile', () => {
    expect(play(['config'], CONVERGED, { afterRead: {} })).toEqual([...GATES, 'read-config', 'done:no-change']);
  });

  test('an edit while degraded still checks the config in force', () => {
    expect(play(['config'], { ...CONVERGED, state: 'degraded' }, { kernelDrifted: false })).toEqual([
      ...GATES,
      'read-config',
      'find-frr',
      'check-frr',
      'look-kernel',
      'converge',
    ]);
  });

  test('FRR refused the edit: the rollback pass converges the config in force without re-reading', () => {
    expect(rereads({ reasons: ['rollback'], ...CONVERGED })).toBe(false);
    expect(play(['rollback'], { ...CONVERGED, state: 'degraded' }, { kernelDrifted: true })).toEqual([
      ...GATES,
      'keep-config',
      'find-frr',
      'check-frr',
      'look-kernel',
      'converge',
    ]);
  });

  test('FRR killed and started again in the same netns: push its config again, no drift look', () => {
    expect(play(['pidfile'], CONVERGED, { frr: 'restarted' })).toEqual([
      ...GATES,
      'keep-config',
      'find-frr',
      'converge+push',
    ]);
  });

  test('FRR in a new netns (router pod recreated): converge from scratch, no forced push', () => {
    expect(play(['pidfile'], CONVERGED, { frr: 'new-netns' })).toEqual([
      ...GATES,
      'keep-config',
      'find-frr',
      'converge',
    ]);
  });

  test('FRR gone: the pass ends waiting for it', () => {
    expect(play(['drift'], CONVERGED, { frr: 'absent' })).toEqual([...GATES, 'keep-config', 'find-frr', 'done:no-frr']);
  });

  test('a quiet drift tick: FRR in line, no netlink event: the kernel is not observed', () => {
    expect(play(['drift'], CONVERGED, { kernelQuiet: true })).toEqual([
      ...GATES,
      'keep-config',
      'find-frr',
      'check-frr',
      'ask-netlink',
      'done:kernel-quiet',
    ]);
  });

  test('a link deleted by hand: the netlink event makes the tick look, the drift is repaired', () => {
    expect(play(['drift'], CONVERGED, { kernelQuiet: false, kernelDrifted: true })).toEqual([
      ...GATES,
      'keep-config',
      'find-frr',
      'check-frr',
      'ask-netlink',
      'look-kernel',
      'converge',
    ]);
  });

  test('a netlink event that changed nothing of ours: one look, no converge', () => {
    expect(play(['drift'], CONVERGED, { kernelQuiet: false, kernelDrifted: false })).toEqual([
      ...GATES,
      'keep-config',
      'find-frr',
      'check-frr',
      'ask-netlink',
      'look-kernel',
      'done:no-drift',
    ]);
  });

  test('frr.conf edited by hand, or a reload left pending: converge without a kernel look', () => {
    expect(play(['drift'], CONVERGED, { frrOff: { push: false } })).toEqual([
      ...GATES,
      'keep-config',
      'find-frr',
      'check-frr',
      'converge',
    ]);
  });

  test('FRR runs something other than frr.conf (frr-reload.py --test): converge and push', () => {
    expect(play(['drift'], CONVERGED, { frrOff: { push: true } })).toEqual([
      ...GATES,
      'keep-config',
      'find-frr',
      'check-frr',
      'converge+push',
    ]);
  });

  test('a retry while degraded always converges, drifted or not', () => {
    expect(play(['retry'], { ...CONVERGED, state: 'degraded' }, { kernelDrifted: false })).toEqual([
      ...GATES,
      'keep-config',
      'find-frr',
      'check-frr',
      'look-kernel',
      'converge',
    ]);
  });

  test('a retry while converged looks at the kernel (a netlink verdict is for drift ticks only)', () => {
    expect(play(['retry'], CONVERGED, { kernelDrifted: false })).toEqual([
      ...GATES,
      'keep-config',
      'find-frr',
      'check-frr',
      'look-kernel',
      'done:no-drift',
    ]);
  });

  test('SIGHUP re-reads and converges the same config again only when something is off', () => {
    expect(play(['sighup'], CONVERGED, { afterRead: {}, kernelDrifted: false })).toEqual([
      ...GATES,
      'read-config',
      'find-frr',
      'check-frr',
      'look-kernel',
      'converge',
    ]);
  });

  test('while try.json names a live process: nothing after the try check', () => {
    expect(play(['drift', 'config'], CONVERGED, { tryActive: true })).toEqual([...GATES, 'done:try-active']);
  });

  test('the try ended: the files on disk are read and applied', () => {
    expect(rereads({ reasons: ['drift'], ...CONVERGED, state: 'try-in-progress' })).toBe(true);
    expect(play(['try-ended'], { ...CONVERGED, state: 'try-in-progress' }, { afterRead: { candidate: true } })).toEqual(
      [...GATES, 'read-config', 'find-frr', 'converge'],
    );
  });

  test('another writer holds the lock (apply, teardown): the pass ends at once', () => {
    expect(play(['boot'], BOOT, { lockHeld: false })).toEqual(['take-lock', 'done:lock-busy']);
  });

  test('torn down by `teardown --force`: no change until apply', () => {
    expect(play(['drift'], CONVERGED, { tornDown: true })).toEqual(['take-lock', 'check-torn-down', 'done:torn-down']);
  });

  test('boot with a broken config and no last-good.yaml: wait for a valid edit', () => {
    expect(play(['boot'], BOOT, { afterRead: {} })).toEqual([...GATES, 'read-config', 'wait-config']);
  });

  test('boot with a broken config and a last-good.yaml: it is the candidate', () => {
    expect(play(['boot'], BOOT, { afterRead: { candidate: true }, frr: 'first' })).toEqual([
      ...GATES,
      'read-config',
      'find-frr',
      'converge',
    ]);
  });

  test('node.indexFrom not derivable at boot: wait for the identity', () => {
    expect(play(['boot'], BOOT, { afterRead: { identityPending: true } })).toEqual([
      ...GATES,
      'read-config',
      'wait-identity',
    ]);
  });

  test('node.indexFrom not derivable after an edit: noted, and the config in force is checked', () => {
    expect(
      play(
        ['config'],
        { ...CONVERGED, state: 'degraded' },
        { afterRead: { identityPending: true }, kernelDrifted: false },
      ),
    ).toEqual([...GATES, 'read-config', 'note-identity', 'find-frr', 'check-frr', 'look-kernel', 'converge']);
  });

  test('an identity still pending is read again on every pass', () => {
    expect(rereads({ reasons: ['retry'], ...BOOT, identityPending: true })).toBe(true);
    expect(rereads({ reasons: ['retry'], ...CONVERGED })).toBe(false);
    expect(rereads({ reasons: ['retry'], ...BOOT })).toBe(true);
  });
});

describe('frrSeen', () => {
  test('the same netns and pid, a new pid, a new netns', () => {
    expect(frrSeen(undefined, { pid: 1, inode: 9 })).toBe('first');
    expect(frrSeen({ pid: 1, inode: 9 }, { pid: 1, inode: 9 })).toBe('same');
    expect(frrSeen({ pid: 1, inode: 9 }, { pid: 2, inode: 9 })).toBe('restarted');
    expect(frrSeen({ pid: 1, inode: 9 }, { pid: 2, inode: 8 })).toBe('new-netns');
  });
});

describe('settleConverge', () => {
  const nic = (n: string): string => `underlay NIC ${n} not found (waiting for it)`;

  test('clean: in force, converged, backoff reset, readiness may open', () => {
    expect(settleConverge([], missingNics([], 1))).toEqual({
      promote: true,
      state: 'converged',
      retry: false,
      resetBackoff: true,
      convergedOnce: true,
    });
  });

  test('the only underlay NIC missing at start: waited for, the candidate stays the candidate', () => {
    const c = [nic('eth1')];
    expect(settleConverge(c, missingNics(c, 1))).toEqual({
      promote: false,
      state: 'waiting-nic',
      detail: c[0],
      retry: true,
      resetBackoff: false,
      convergedOnce: false,
    });
  });

  test('one of two NICs missing: runs on the other (readiness may pass), looks again without resetting the backoff', () => {
    const c = [nic('eth2')];
    expect(settleConverge(c, missingNics(c, 2))).toMatchObject({
      promote: true,
      state: 'degraded',
      error: c[0],
      retry: true,
      resetBackoff: false,
      convergedOnce: true,
    });
  });

  test('an object we do not own in the way: degraded, in force, not retried in a loop', () => {
    const c = ['vni110 exists and is not ours'];
    expect(settleConverge(c, missingNics(c, 1))).toEqual({
      promote: true,
      state: 'degraded',
      detail: '1 conflict(s): vni110 exists and is not ours',
      error: c[0],
      retry: false,
      resetBackoff: true,
      convergedOnce: false,
    });
  });
});

describe('settleFailure', () => {
  const candidate = { isCandidate: true, source: 'disk' as const };
  test('FRR or its netns not there: wait for FRR', () => {
    expect(settleFailure('frr-unavailable', candidate, true)).toEqual({ do: 'wait-frr' });
  });
  test('FRR refused an edit: the config in force is converged again (the rollback)', () => {
    expect(settleFailure('frr-refused', candidate, true)).toEqual({ do: 'refused', then: 'rollback' });
  });
  test('FRR refused the config on disk at boot: last-good.yaml instead', () => {
    expect(settleFailure('frr-refused', candidate, false)).toEqual({ do: 'refused', then: 'boot-fallback' });
  });
  test('FRR refused last-good.yaml too: wait for a valid edit', () => {
    expect(settleFailure('frr-refused', { isCandidate: true, source: 'last-good' }, false)).toEqual({
      do: 'refused',
      then: 'wait-config',
    });
  });
  test('FRR refused the config in force itself, or anything else failed: degraded, retried', () => {
    expect(settleFailure('frr-refused', { isCandidate: false, source: 'disk' }, true)).toEqual({ do: 'degraded' });
    expect(settleFailure('other', candidate, true)).toEqual({ do: 'degraded' });
  });
});

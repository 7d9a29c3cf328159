// The D-Bus unit-state reader against a real dbus-daemon (Debian package dbus): no bus at all,
// a bus without systemd, a socket that never answers, and a bus where a stand-in for systemd's
// Manager/Unit objects answers LoadUnit and the Unit properties (the real systemd path is proven
// in the VM lab). The reader is the thing under test; the bus and the peer are real processes/
// connections, nothing in between is faked.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dbus from 'dbus-next';
import { readUnitStates } from '../../src/systemd/dbus.js';

const haveDbus = existsSync('/usr/bin/dbus-daemon');
if (!haveDbus)
  console.warn('status-dbus: skipped — needs dbus-daemon (Debian package dbus; scripts/setup installs it)');

const busConf = (
  socket: string,
): string => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`;

/** A stand-in for systemd's objects: the protocol the reader speaks, with fixed answers. */
function exportFakeSystemd(bus: dbus.MessageBus, units: Record<string, [string, string, string]>): void {
  const { Interface } = dbus.interface;
  const unitPath = (name: string) =>
    `/org/freedesktop/systemd1/unit/${name.replace(/[^a-zA-Z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}`;
  class Manager extends Interface {
    LoadUnit(name: string): string {
      return unitPath(name);
    }
  }
  Manager.configureMembers({ methods: { LoadUnit: { inSignature: 's', outSignature: 'o' } } });
  bus.export('/org/freedesktop/systemd1', new Manager('org.freedesktop.systemd1.Manager'));
  for (const [name, [load, active, sub]] of Object.entries(units)) {
    class Unit extends Interface {
      get LoadState() {
        return load;
      }
      get ActiveState() {
        return active;
      }
      get SubState() {
        return sub;
      }
      get Description() {
        return `${name} (stand-in)`;
      }
    }
    Unit.configureMembers({
      properties: {
        LoadState: { signature: 's', access: 'read' },
        ActiveState: { signature: 's', access: 'read' },
        SubState: { signature: 's', access: 'read' },
        Description: { signature: 's', access: 'read' },
      },
    });
    bus.export(unitPath(name), new Unit('org.freedesktop.systemd1.Unit'));
  }
}

describe.skipIf(!haveDbus)('readUnitStates over a real dbus-daemon', () => {
  let dir: string;
  let address: string;
  let daemonPid: number | undefined;
  let silent: Server | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tr-dbus-'));
    await writeFile(join(dir, 'bus.conf'), busConf(join(dir, 'bus.sock')));
    const r = await execa('dbus-daemon', [`--config-file=${join(dir, 'bus.conf')}`, '--fork', '--print-pid']);
    daemonPid = Number(r.stdout.trim());
    address = `unix:path=${join(dir, 'bus.sock')}`;
  });
  afterAll(async () => {
    if (daemonPid) process.kill(daemonPid, 'SIGTERM');
    silent?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('no socket: says plainly there is no system bus', async () => {
    expect(await readUnitStates(['evpn-node.target'], { busAddress: `unix:path=${dir}/absent.sock` })).toEqual({
      available: false,
      reason: `no system bus at ${dir}/absent.sock (not running under systemd?)`,
    });
  });

  test('a bus without systemd: "not on the bus", quickly, no activation attempt, no hang', async () => {
    const t = performance.now();
    const r = await readUnitStates(['evpn-node.target'], { busAddress: address, timeoutMs: 5000 });
    expect(r).toEqual({
      available: false,
      reason: `org.freedesktop.systemd1 is not on the system bus at ${address} (not running under systemd?)`,
    });
    expect(performance.now() - t).toBeLessThan(1500);
  });

  test('a socket that accepts and never answers: bounded by the timeout', async () => {
    const path = join(dir, 'silent.sock');
    silent = createServer(() => undefined);
    await new Promise<void>((res) => silent?.listen(path, res));
    const t = performance.now();
    const r = await readUnitStates(['evpn-node.target'], { busAddress: `unix:path=${path}`, timeoutMs: 700 });
    expect(r).toEqual({ available: false, reason: `system bus at unix:path=${path}: no answer within 700 ms` });
    expect(performance.now() - t).toBeLessThan(1500);
  });

  test('a refused connection is an answer, not an exception', async () => {
    const r = await readUnitStates(['x.service'], { busAddress: 'tcp:host=127.0.0.1,port=1' });
    expect(r).toMatchObject({ available: false, reason: expect.stringMatching(/ECONNREFUSED/) });
  });

  test('with systemd on the bus: LoadUnit + Unit properties, in the order asked, not-found included', async () => {
    const peer = dbus.sessionBus({ busAddress: address });
    try {
      exportFakeSystemd(peer, {
        'evpn-node.target': ['loaded', 'active', 'active'],
        'evpn-node-controller.service': ['loaded', 'failed', 'failed'],
        'kubelet.service': ['not-found', 'inactive', 'dead'],
      });
      await peer.requestName('org.freedesktop.systemd1', 0);
      const r = await readUnitStates(['kubelet.service', 'evpn-node.target', 'evpn-node-controller.service'], {
        busAddress: address,
      });
      expect(r).toEqual({
        available: true,
        units: [
          {
            name: 'kubelet.service',
            loadState: 'not-found',
            activeState: 'inactive',
            subState: 'dead',
            description: 'kubelet.service (stand-in)',
          },
          {
            name: 'evpn-node.target',
            loadState: 'loaded',
            activeState: 'active',
            subState: 'active',
            description: 'evpn-node.target (stand-in)',
          },
          {
            name: 'evpn-node-controller.service',
            loadState: 'loaded',
            activeState: 'failed',
            subState: 'failed',
            description: 'evpn-node-controller.service (stand-in)',
          },
        ],
      });
    } finally {
      peer.disconnect();
    }
  });
});

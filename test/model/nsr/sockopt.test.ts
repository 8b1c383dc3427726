// Proves what SPEC M-7 decides for a socket option the application changes during bulk flow (SO_RCVBUF, and SO_SNDBUF through the same hook): not-replicated (default, G-7) leaves the secondary at the old size, so common_rcvbufspc keeps the old limit and the new primary after a failover has the old size; replicated (seed 000 §6.3) carries it in psrm.sockopt, the secondary applies it and reports its new space, the window grows, and the new primary keeps the size.
import { describe, expect, it } from 'vitest';
import type { NsrOptions } from '../../../model/nsr/options.ts';
import type { TcpConnection } from '../../../model/tcp/tcp.ts';
import { MS, SEC, type TraceRecord } from '../../../sim/index.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { Harness, fault, nsrConfig, peer, traffic } from './fixture.ts';

type Mode = NsrOptions['socketOptionsDuringBulk'];
const OLD = 8192;
const NEW = 32768;

interface Run {
  h: Harness;
  /** SO_RCVBUF of pa/0's sockets: primary and secondary at 2 s, the new primary at 3 s. */
  sizes: { primary: number; secondary: number; takenOver: number };
}

/** 8 KB buffers; at 1 s the router application sets SO_RCVBUF to 32 KB; the master crashes at 2.5 s. */
function run(mode: Mode): Run {
  const h = new Harness(
    nsrConfig({
      durationNs: 4 * SEC,
      opts: { socketOptionsDuringBulk: mode },
      router: { socketBufferBytes: OLD },
      peers: [
        peer('pa', {
          toRouter: traffic(400),
          fromRouter: traffic(100),
          routerRead: {
            chunkBytes: 4096,
            intervalNs: 20 * MS,
            rcvbuf: { atNs: 1 * SEC, bytes: NEW },
          },
        }),
      ],
      faults: [fault(2500 * MS, { kind: 're-crash', target: 'master' })],
    }),
  );
  const sizes = { primary: -1, secondary: -1, takenOver: -1 };
  let secondary: TcpConnection | undefined;
  h.at(2 * SEC, () => {
    sizes.primary = h.nsr(0).bySession.get('pa/0')?.conn.so_rcv.hiwat ?? -1;
    secondary = h.nsr(1).bySession.get('pa/0')?.conn;
    sizes.secondary = secondary?.so_rcv.hiwat ?? -1;
  });
  h.at(3 * SEC, () => {
    sizes.takenOver = secondary?.replica === false ? secondary.so_rcv.hiwat : -1;
  });
  expect(h.finish(), mode).toEqual([]);
  return { h, sizes };
}

/** The largest common_rcvbufspc the secondary's PRL ACKs carried after `t`. */
const maxAckSpace = (h: Harness, t: number): number =>
  Math.max(
    ...h
      .tx(1, 'prl.ack')
      .filter((r) => r.t > t && r.fields.reason === 'ok')
      .map((r) => r.fields.space as number),
  );

describe('M-7: socket options during bulk flow', () => {
  it('M-7 not-replicated (G-7): the primary takes the new SO_RCVBUF, PSRM traces it as not replicated and sends nothing; the secondary keeps 8 KB, so common_rcvbufspc never grows past it; the new primary after the crash has 8 KB', () => {
    const { h, sizes } = run('not-replicated');
    const set = h.of(K.app.sockopt, ACTOR.re(0));
    expect(set.map((r) => [r.t, r.fields.bytes, r.fields.was])).toEqual([[1 * SEC, NEW, OLD]]);
    const seen = h.of(K.psrm.sockopt, ACTOR.nsr(0, 'psrm'));
    expect(seen.map((r) => [r.fields.option, r.fields.value, r.fields.replicated])).toEqual([
      ['SO_RCVBUF', NEW, false],
    ]);
    expect(h.tx(0, 'psrm.sockopt')).toEqual([]);
    expect(h.of(K.psrm.sockoptApplied)).toEqual([]);
    expect(sizes).toEqual({ primary: NEW, secondary: OLD, takenOver: OLD });
    expect(maxAckSpace(h, 1 * SEC)).toBeLessThanOrEqual(OLD);
  });

  it('M-7 replicated (§6.3): psrm.sockopt carries SO_RCVBUF to the secondary, which applies it and reports its new space; common_rcvbufspc grows past 8 KB; the new primary keeps 32 KB', () => {
    const { h, sizes } = run('replicated');
    const seen = h.of(K.psrm.sockopt, ACTOR.nsr(0, 'psrm'));
    expect(seen.map((r) => r.fields.replicated)).toEqual([true]);
    const tx = h.tx(0, 'psrm.sockopt');
    expect(tx.map((r) => [r.fields.option, r.fields.value])).toEqual([['SO_RCVBUF', NEW]]);
    const applied = h.of(K.psrm.sockoptApplied, ACTOR.nsr(1, 'psrm'));
    expect(applied.map((r) => [r.fields.value, r.fields.was])).toEqual([[NEW, OLD]]);
    // The secondary told the primary its new space at once (a window update).
    const at = (applied[0] as TraceRecord).t;
    const win = h.tx(1, 'psrm.window').find((r) => r.t >= at);
    expect(win?.t).toBe(at);
    expect(win?.fields.space).toBeGreaterThan(OLD);
    expect(sizes).toEqual({ primary: NEW, secondary: NEW, takenOver: NEW });
    expect(maxAckSpace(h, at)).toBeGreaterThan(OLD);
  });

  it('M-7: the larger buffer is what the application gets while replicated only when the change is replicated: it has read more by the takeover', () => {
    const readAt = (r: Run): number =>
      r.h.of(K.app.takeover, ACTOR.re(1)).find((x) => x.fields.session === 'pa/0')?.fields
        .inOffset as number;
    expect(readAt(run('replicated'))).toBeGreaterThan(1.2 * readAt(run('not-replicated')));
  });

  it('M-7: SO_SNDBUF goes through the same hook; the size hook is on a replicated primary only and gone once replication ends', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1 * SEC,
        opts: { socketOptionsDuringBulk: 'replicated' },
        faults: [fault(700 * MS, { kind: 'nsr-deconfig' })],
      }),
    );
    const hooked = (c: TcpConnection | undefined): boolean[] =>
      c === undefined
        ? []
        : [c.so_rcv, c.so_snd].map(
            (b) => Object.getOwnPropertyDescriptor(b, 'hiwat')?.set !== undefined,
          );
    const seen: boolean[][] = [];
    let primary: TcpConnection | undefined;
    h.at(300 * MS, () => {
      primary = h.nsr(0).bySession.get('pa/0')?.conn;
      seen.push(hooked(primary), hooked(h.nsr(1).bySession.get('pa/0')?.conn));
      if (primary !== undefined) primary.so_snd.hiwat = 100_000;
    });
    h.at(900 * MS, () => seen.push(hooked(primary)));
    expect(h.finish()).toEqual([]);
    expect(seen).toEqual([
      [true, true],
      [false, false],
      [false, false],
    ]);
    const applied = h.of(K.psrm.sockoptApplied, ACTOR.nsr(1, 'psrm'));
    expect(applied.map((r) => [r.fields.option, r.fields.value])).toEqual([['SO_SNDBUF', 100_000]]);
    expect(primary?.so_snd.hiwat).toBe(100_000);
  });
});

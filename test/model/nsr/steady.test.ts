// Proves the steady state without faults: for every replicated socket, the secondary's inbound and outbound streams equal the primary's byte for byte (and equal what the peer and the master application wrote), and the backup application's state equals the master's (SPEC G-2, P-13, S-1…S-3, I-4).
import { describe, expect, it } from 'vitest';
import type { StreamSession } from '../../../model/app/session.ts';
import type { RecordSource } from '../../../model/app/stream.ts';
import type { Rep } from '../../../model/nsr/state.ts';
import { MS, SEC } from '../../../sim/index.ts';
import { Harness, nsrConfig, peer, silence, traffic } from './fixture.ts';
import { ACTOR, K } from '../../../model/vocab.ts';

type Dir = 'in' | 'out';

/** One socket's delivered stream in one direction, as the NSR kernel tap saw it. */
class Stream {
  start = -1;
  private chunks: Uint8Array[] = [];
  end = -1;
  gaps: string[] = [];

  add(offset: number, bytes: Uint8Array): void {
    if (this.start < 0) this.start = this.end = offset;
    if (offset !== this.end) this.gaps.push(`chunk at ${offset}, expected ${this.end}`);
    this.chunks.push(bytes.slice());
    this.end = offset + bytes.length;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(Math.max(0, this.end - this.start));
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** The first `n` bytes of a record stream (what a writer of that source produced). */
function expected(source: RecordSource, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let at = 0;
  for (let recno = 0; at < n; recno++) {
    const r = source.record(recno);
    out.set(r.subarray(0, Math.min(r.length, n - at)), at);
    at += r.length;
  }
  return out;
}

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function verifierState(v: StreamSession['verifier']): {
  bytes: number;
  nextRecno: number;
  records: number;
  errors: unknown[];
} {
  return { bytes: v.bytes, nextRecno: v.nextRecno, records: v.records, errors: [...v.errors] };
}

describe('steady state without faults', () => {
  it("G-2, S-1, S-3, P-13: for every replicated socket the secondary's inbound and outbound streams equal the primary's byte for byte, and the backup application's state equals the master's", () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 2500 * MS,
        seed: 7,
        peers: [
          peer('pa', {
            sessions: 2,
            toRouter: traffic(60, 64, 3000),
            fromRouter: traffic(60, 64, 3000),
          }),
          peer('pb', {
            initiator: 'router',
            toRouter: traffic(40, 13, 6000),
            fromRouter: traffic(80, 13, 1000),
            link: { latencyNs: 5 * MS, bandwidthBps: 20_000_000 },
          }),
        ],
      }),
    );
    const streams = new Map<string, Stream>();
    const stream = (re: number, session: string, dir: Dir): Stream => {
      const k = `re${re} ${session} ${dir}`;
      let s = streams.get(k);
      if (s === undefined) streams.set(k, (s = new Stream()));
      return s;
    };
    // Tap both REs' NSR state (beside the identical-data checker, a second subscriber).
    h.world.nsrStates.subscribe((nsr) => {
      nsr.delivered.subscribe((rep: Rep, offset, bytes) =>
        stream(nsr.reIndex, rep.session, 'in').add(offset, bytes),
      );
      nsr.sent.subscribe((rep: Rep, offset, bytes) =>
        stream(nsr.reIndex, rep.session, 'out').add(offset, bytes),
      );
    });

    // Traffic for 1.8 s, then silence: at 2.5 s everything sent has been delivered and read.
    h.runTo(1800 * MS);
    silence(h.cfg);
    h.runTo(2500 * MS);
    expect(h.finish()).toEqual([]);
    // Nothing in the last ~100 ms: the run is quiescent.
    expect(
      h.recs.filter((r) => r.t > 2400 * MS && (r.kind === K.kkcm.tx || r.kind === K.pfe.tx)),
    ).toEqual([]);

    const sessions = ['pa/0', 'pa/1', 'pb/0'];
    expect(
      h
        .of(K.iha.active, ACTOR.nsr(0, 'iha'))
        .map((r) => r.fields.session)
        .sort(),
    ).toEqual(sessions);
    for (const id of sessions) {
      const [peerName, idx] = id.split('/') as [string, string];
      const peerApp = h.world.peers.find((p) => p.cfg.name === peerName)?.sessions[
        Number(idx)
      ] as StreamSession;
      const master = h.world.res[0].session(id) as StreamSession;
      const backup = h.world.res[1].session(id) as StreamSession;
      const prim = h.nsr(0).bySession.get(id) as Rep;
      const sec = h.nsr(1).bySession.get(id) as Rep;
      expect([prim.role, prim.iha.active, sec.role, sec.iha.active], id).toEqual([
        'primary',
        true,
        'secondary',
        true,
      ]);
      const applied = h
        .of(K.psrm.applied, ACTOR.nsr(1, 'psrm'))
        .find((r) => r.fields.session === id)?.fields as Record<string, number>;

      // Inbound (peer → router): what TCP appended to each socket's so_rcv.
      const pin = stream(0, id, 'in');
      const sin = stream(1, id, 'in');
      expect([pin.gaps, sin.gaps], `${id} in: contiguous`).toEqual([[], []]);
      expect(sin.start, `${id} in: the secondary starts at the PSRM snapshot`).toBe(
        ((applied.rcv_nxt as number) - sec.conn.irs - 1) >>> 0,
      );
      expect(pin.start).toBeLessThanOrEqual(sin.start);
      expect(sin.end, `${id} in: same end`).toBe(pin.end);
      expect(pin.end, `${id} in: everything the peer wrote`).toBe(peerApp.writer.offset);
      const pinBytes = pin.bytes();
      const sinBytes = sin.bytes();
      expect(sinBytes.length).toBeGreaterThan(20_000);
      expect(
        firstDiff(pinBytes.subarray(sin.start - pin.start), sinBytes),
        `${id} in: first differing byte`,
      ).toBe(-1);
      expect(
        firstDiff(pinBytes, expected(peerApp.writer.source, pin.end).subarray(pin.start)),
        `${id} in: vs the peer's stream`,
      ).toBe(-1);

      // Outbound (router → peer): what the master application wrote vs what SDRL appended on the secondary.
      const pout = stream(0, id, 'out');
      const sout = stream(1, id, 'out');
      expect([pout.gaps, sout.gaps], `${id} out: contiguous`).toEqual([[], []]);
      expect(sout.start).toBe(applied.app_out);
      expect(sout.end, `${id} out: same end`).toBe(pout.end);
      expect(pout.end, `${id} out: everything the master app wrote`).toBe(master.writer.offset);
      const soutBytes = sout.bytes();
      expect(soutBytes.length).toBeGreaterThan(20_000);
      expect(
        firstDiff(pout.bytes().subarray(sout.start - pout.start), soutBytes),
        `${id} out: first differing byte`,
      ).toBe(-1);
      expect(
        firstDiff(soutBytes, expected(master.writer.source, sout.end).subarray(sout.start)),
        `${id} out: vs the master's stream`,
      ).toBe(-1);

      // Both sockets' buffers are drained and their sequence state agrees (P-13).
      for (const c of [prim.conn, sec.conn]) expect([c.so_rcv.cc, c.so_snd.cc], id).toEqual([0, 0]);
      expect([sec.conn.rcv_nxt, sec.conn.snd_una, sec.conn.snd_max], id).toEqual([
        prim.conn.rcv_nxt,
        prim.conn.snd_una,
        prim.conn.snd_max,
      ]);

      // The backup application's state equals the master's: it started snooping at the
      // beginning of both streams, read everything the master read, and tracked
      // everything the master wrote.
      expect(
        h.of(K.app.snoop, ACTOR.re(1)).find((r) => r.fields.session === id)?.fields,
      ).toMatchObject({
        inOffset: 0,
        outOffset: 0,
      });
      expect(backup.mode).toBe('snoop');
      expect(verifierState(backup.verifier), `${id} backup inbound verifier`).toEqual(
        verifierState(master.verifier),
      );
      expect(master.verifier.errors).toEqual([]);
      expect(master.verifier.bytes).toBe(peerApp.writer.offset);
      const tracker = backup.outTracker;
      expect(tracker).toBeDefined();
      expect(tracker?.errors, `${id} outbound tracker errors`).toEqual([]);
      expect(
        [tracker?.bytes, tracker?.records, tracker?.nextRecno],
        `${id} outbound tracker vs master writer`,
      ).toEqual([master.writer.offset, master.writer.records, master.writer.records]);
      expect(peerApp.verifier.bytes).toBe(master.writer.offset);
    }
  });

  it('G-2: the same holds under every PRL/PSRM/KKCM design option default-flipped at once (one channel, interrupt context, TLV, coalesced ACKs, global queue, delayed window updates)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 2 * SEC,
        seed: 11,
        opts: {
          kkcmChannels: 'one',
          kkcmContext: 'interrupt',
          encoding: 'tlv',
          versions: [2, 1],
          prlAck: 'coalesce',
          prlQueue: 'global',
          windowUpdate: 'delack',
          prlL3Header: false,
        },
        peers: [
          peer('pa', {
            sessions: 2,
            toRouter: traffic(60, 64, 3000),
            fromRouter: traffic(60, 64, 3000),
          }),
        ],
      }),
    );
    h.runTo(1400 * MS);
    silence(h.cfg);
    expect(h.finish()).toEqual([]);
    for (const id of ['pa/0', 'pa/1']) {
      const master = h.world.res[0].session(id) as StreamSession;
      const backup = h.world.res[1].session(id) as StreamSession;
      expect(master.verifier.bytes).toBeGreaterThan(20_000);
      expect(verifierState(backup.verifier)).toEqual(verifierState(master.verifier));
      expect(backup.outTracker?.bytes).toBe(master.writer.offset);
      expect(backup.outTracker?.errors).toEqual([]);
    }
  });
});

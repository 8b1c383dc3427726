// Proves what SDRL does on its less travelled paths (SPEC S-1, S-2, K-5, I-2, I-6): a write
// or start for a socket that is not an active primary, data for a handle the secondary
// does not have or for a socket that is not a secondary, data out of order, urgent data,
// stale and impossible ACKs, malformed SDRL messages, and the gap only a mutant makes.
// Written for the survivors of the mutation run (reports/mutation/README.md).
import { describe, expect, it } from 'vitest';
import { encodeMessage, type NsrMessage } from '../../../model/nsr/wire.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { MS } from '../../../sim/index.ts';
import { Harness, nsrConfig, peer, traffic, trailing } from './fixture.ts';

const SDRL0 = ACTOR.nsr(0, 'sdrl');
const SDRL1 = ACTOR.nsr(1, 'sdrl');
const IHA0 = ACTOR.nsr(0, 'iha');
const U32 = 0x1_0000_0000;

/** A world where the master application writes: SDRL has data to replicate all along. */
const writing = (checkers = false) =>
  new Harness(
    nsrConfig({ durationNs: 600 * MS, peers: [peer('pa', { fromRouter: traffic(200) })] }),
    {
      checkers,
    },
  );

const data = (handle: number, offset: number): NsrMessage => ({
  t: 'sdrl.data',
  handle,
  offset,
  snd_nxt: 0,
  snd_up: 0,
  urgent: false,
  data: new Uint8Array(20),
});

describe('S-1: SDRL replicates only for an active primary', () => {
  it("a write or start naming a secondary's handle or no socket replicates nothing and breaks nothing", () => {
    const h = writing(true);
    h.runTo(200 * MS);
    const sec = h.rep(1);
    for (const [re, handle] of [
      [1, sec.handle],
      [0, 999],
      [1, 999],
    ] as const) {
      for (const type of ['sdrl.write', 'sdrl.start'] as const)
        h.at(300 * MS, (ctx) => ctx.send(h.nsr(re).ids.sdrl, { type, handle }, 0));
    }
    expect(h.finish()).toEqual([]);
    expect(h.tx(1, 'sdrl.data')).toEqual([]);
    expect(h.of(K.nsr.replicationError)).toEqual([]);
    expect(h.tx(0, 'sdrl.data').length).toBeGreaterThan(10);
  });
});

describe('S-2, I-2: data the secondary cannot take', () => {
  it('data for a handle the secondary lacks is NACKed invalid-handle naming that handle; data for a primary is NACKed not-replicating naming its peer; neither is an error', () => {
    const h = writing();
    h.runTo(200 * MS);
    const prim = h.rep(0);
    const sec = h.rep(1);
    h.sendVia(0, 300 * MS, () => data(999, 40));
    h.sendVia(1, 300 * MS, () => data(prim.handle, 60));
    h.finish();
    const nacks = (re: 0 | 1) =>
      h
        .tx(re, 'sdrl.ack')
        .filter((r) => r.fields.reason !== 'ok')
        .map((r) => [r.fields.handle, r.fields.offset, r.fields.reason]);
    expect(nacks(1)).toEqual([[999, 40, 'invalidHandle']]);
    expect(nacks(0)).toEqual([[sec.handle, 60, 'notReplicating']]);
    // The not-replicating NACK reaches the secondary, which is no primary: ignored.
    expect(h.of(K.nsr.replicationError)).toEqual([]);
    expect(h.of(K.prl.release)).toEqual([]);
  });

  it('data out of order is traced with the offset expected, NACKed failed, and the primary gives the socket up (its queue pushed)', () => {
    const h = writing();
    h.runTo(200 * MS);
    const prim = h.rep(0);
    const sec = h.rep(1);
    let expected = -1;
    h.sendVia(0, 300 * MS, () => {
      expected = sec.sdrl.sndAppended;
      return data(sec.handle, (expected + 5) % U32);
    });
    h.finish();
    expect(expected).toBeGreaterThan(0);
    const ooo = h.of(K.sdrl.outOfOrder, SDRL1);
    expect(ooo.map((r) => r.fields)).toEqual([{ session: 'pa/0', offset: expected + 5, expected }]);
    const failed = h.tx(1, 'sdrl.ack').filter((r) => r.fields.reason === 'failed');
    expect(failed.map((r) => [r.fields.handle, r.fields.offset])).toEqual([
      [prim.handle, expected + 5],
    ]);
    expect(h.of(K.nsr.replicationError, SDRL0).map((r) => r.fields.reason)).toEqual([
      'SDRL NACK failed',
    ]);
    expect(h.of(K.prl.release, IHA0).map((r) => r.fields.mode)).toEqual(['push']);
    expect(h.of(K.nsr.replicationError, SDRL1)).toEqual([]);
  });
});

describe("S-2: the secondary's urgent pointer", () => {
  it('data marked urgent sets the snd_up it carries on the secondary; data not marked leaves it, whatever snd_up it carries', () => {
    for (const urgent of [false, true]) {
      const h = writing();
      h.runTo(200 * MS);
      const sec = h.rep(1);
      let before = -1;
      let after = -1;
      let end = -1;
      h.sendVia(0, 300 * MS, () => {
        before = sec.conn.snd_up;
        end = sec.sdrl.sndAppended + 20;
        return { ...data(sec.handle, sec.sdrl.sndAppended % U32), urgent, snd_up: before + 7 };
      });
      // The secondary's snd_up as it confirms those bytes (its ACK leaves then).
      h.world.sim.trace.addListener((r) => {
        if (after < 0 && end > 0 && r.kind === K.kkcm.tx && r.actor === SDRL1)
          if (r.fields.offset === end % U32) after = sec.conn.snd_up;
      });
      h.finish();
      expect(after).toBe(urgent ? before + 7 : before);
    }
  });
});

describe("S-1: the primary's ACKed offset only grows", () => {
  it('a stale ACK (behind what was ACKed) and an impossible one (beyond what was sent) change nothing', () => {
    const h = writing(true);
    h.runTo(200 * MS);
    const prim = h.rep(0);
    let last = 0;
    let backwards = false;
    h.world.sim.trace.addListener(() => {
      if (prim.sdrl.acked < last) backwards = true;
      last = prim.sdrl.acked;
    });
    const ack = (offset: number): NsrMessage => ({
      t: 'sdrl.ack',
      handle: prim.handle,
      offset: offset % U32,
      reason: 'ok',
    });
    h.sendVia(1, 300 * MS, () => ack(prim.sdrl.acked - 10));
    h.sendVia(1, 350 * MS, () => ack(prim.sdrl.sent + 1000));
    expect(h.finish()).toEqual([]);
    expect(backwards).toBe(false);
    expect(prim.sdrl.acked).toBeGreaterThan(0);
    expect(h.of(K.nsr.replicationError)).toEqual([]);
  });
});

describe('S-1 broken on purpose: the sdrl-transmit-before-replicate mutant', () => {
  it("bytes the peer ACKed before SDRL got to them left so_snd: SDRL traces the gap and goes on from so_snd's start", () => {
    // SDRL slowed to 30 ms a write: the peer ACKs (and so_snd drops) first.
    const h = new Harness(
      nsrConfig({
        durationNs: 800 * MS,
        mutant: 'sdrl-transmit-before-replicate',
        costs: { sdrlNs: 30 * MS },
        peers: [peer('pa', { fromRouter: traffic(200) })],
      }),
      { checkers: false },
    );
    h.finish();
    const gaps = h.of(K.sdrl.gap, SDRL0);
    expect(gaps.length).toBeGreaterThan(0);
    const data = h.tx(0, 'sdrl.data');
    for (const g of gaps) {
      const f = g.fields as { session: string; offset: number; soStart: number };
      expect(f.session).toBe('pa/0');
      expect(f.offset).toBeLessThan(f.soStart);
      // The next data SDRL sends starts where so_snd does.
      expect(data.find((r) => r.id > g.id)?.fields.offset).toBe(f.soStart % U32);
    }
  });
});

describe('K-5, I-6: malformed SDRL messages', () => {
  it('a malformed ACK naming the primary is traced with its handle and gives the socket up (queue pushed); one naming no socket is only traced', () => {
    const h = writing();
    h.runTo(200 * MS);
    const prim = h.rep(0);
    const ack = (handle: number): NsrMessage => ({
      t: 'sdrl.ack',
      handle,
      offset: 0,
      reason: 'ok',
    });
    h.writeRaw(1, 'recv', 250 * MS, trailing(ack(999)));
    h.writeRaw(1, 'recv', 300 * MS, trailing(ack(prim.handle)));
    h.finish();
    const bad = h.of(K.sdrl.malformed, SDRL0);
    expect(bad.map((r) => r.fields.handle)).toEqual([999, prim.handle]);
    expect(String(bad[0]?.fields.error)).toMatch(/trailing/);
    const err = h.of(K.nsr.replicationError, SDRL0);
    expect(err.map((r) => [r.fields.handle, String(r.fields.reason)])).toEqual([
      [prim.handle, expect.stringMatching(/^malformed SDRL message: .*trailing/)],
    ]);
    expect(h.of(K.prl.release, IHA0).map((r) => r.fields.mode)).toEqual(['push']);
  });

  it('a malformed SDRL message whose handle cannot be read (TLV, the handle TLV runs past the message) is traced with handle -1 and nothing else is done', () => {
    const h = new Harness(nsrConfig({ durationNs: 600 * MS, opts: { encoding: 'tlv' } }), {
      checkers: false,
    });
    const b = encodeMessage({ t: 'sdrl.ack', handle: 1, offset: 0, reason: 'ok' }, 'tlv', 1);
    new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(8 + 2, 0xffff_fff0); // the first TLV's length
    h.writeRaw(1, 'recv', 300 * MS, b);
    h.finish();
    expect(h.of(K.sdrl.malformed, SDRL0).map((r) => r.fields.handle)).toEqual([-1]);
    expect(h.of(K.nsr.replicationError)).toEqual([]);
    expect(h.rep(0).iha.active).toBe(true);
  });
});

// Proves the tcp-follower checker (SPEC P-13) accepts a secondary whose receive-side tcpcb equals the primary's after each replicated packet and reports each FOLLOWER_FIELDS field that differs alone, naming it, while fields outside the list may differ; and, on a real NSR world with traffic both ways, that the documented relations of the non-follower fields hold at sampled packets and the checker reports nothing.
import { describe, expect, it } from 'vitest';
import {
  FOLLOWER_FIELDS,
  TCP_FOLLOWER,
  TcpFollowerCheck,
} from '../../../model/checks/tcp-follower.ts';
import { seqGeq } from '../../../model/net/segment.ts';
import { pairOf, type L4Result } from '../../../model/nsr/prl-queue.ts';
import type { NsrState, Rep } from '../../../model/nsr/state.ts';
import { MS } from '../../../sim/index.ts';
import { peer, worldConfig } from '../world-fixture.ts';
import { of, runWorld } from './fixture.ts';
import {
  fakeNsr,
  fakeRep,
  l4Input,
  l4Result,
  putRep,
  quietSim,
  violationsOf,
} from './nsr-fakes.ts';

/** A primary on RE0 and its secondary on RE1 (session pa/0), tapped by one checker. */
function setup() {
  const sim = quietSim();
  const check = new TcpFollowerCheck(sim);
  const k0 = fakeNsr(0);
  const k1 = fakeNsr(1);
  check.attach(k0);
  check.attach(k1);
  const p = putRep(k0, fakeRep({ handle: 1, peerHandle: 9, role: 'primary' }));
  const s = putRep(k1, fakeRep({ handle: 9, peerHandle: 1, role: 'secondary' }));
  /** Packet `seq` goes up on both sides with these results. */
  const both = (seq: number, primary: L4Result, secondary: L4Result) => {
    k0.l4Done.publish(p, l4Input('ack', seq, 8000), primary);
    k1.l4Done.publish(s, l4Input('replicate', seq, 8000), secondary);
  };
  return { check, both, got: () => violationsOf(sim, TCP_FOLLOWER) };
}

/** A value of field `f` other than the base result's. */
function other(f: (typeof FOLLOWER_FIELDS)[number]): Partial<L4Result> {
  if (f === 'state') return { state: 'CLOSE_WAIT' };
  return { [f]: l4Result()[f] + 1 };
}

describe('tcp-follower', () => {
  it('passes: equal results after each packet', () => {
    const { check, both, got } = setup();
    expect(check.id).toBe(TCP_FOLLOWER);
    both(1, l4Result(), l4Result());
    both(
      2,
      l4Result({ rcv_nxt: 6000, segqBytes: 300 }),
      l4Result({ rcv_nxt: 6000, segqBytes: 300 }),
    );
    expect(got()).toEqual([]);
  });

  it.each(FOLLOWER_FIELDS)('fails: %s alone differs, and the evidence names it', (f) => {
    const { both, got } = setup();
    both(3, l4Result(), l4Result(other(f)));
    expect(got()).toHaveLength(1);
    const v = got()[0];
    expect(v?.evidence).toMatchObject({
      session: 'pa/0',
      seq: 3,
      fields: [f],
      primary: { [f]: l4Result()[f] },
      secondary: { [f]: l4Result(other(f))[f] },
    });
    expect(v?.message).toContain(`${f} ${l4Result()[f]} / ${l4Result(other(f))[f]}`);
  });

  it('rcv_up is compared as urgent state: trailing rcv_nxt by different amounts passes, a pending mark on one side only fails (finding follower-paws-stale-ts-recent)', () => {
    const trailing = setup();
    trailing.both(5, l4Result({ rcv_up: 4436 }), l4Result({ rcv_up: 5000 }));
    expect(trailing.got()).toEqual([]);
    const pending = setup();
    pending.both(5, l4Result({ rcv_up: 4436 }), l4Result({ rcv_up: 5100 }));
    expect(pending.got()[0]?.evidence).toMatchObject({ fields: ['rcv_up'] });
    const marks = setup();
    marks.both(5, l4Result({ rcv_up: 5200 }), l4Result({ rcv_up: 5100 }));
    expect(marks.got()[0]?.evidence).toMatchObject({ fields: ['rcv_up'] });
  });

  it('fields outside FOLLOWER_FIELDS (the accepted bytes: rcvbufspc-agree judges them) may differ', () => {
    const outside = Object.keys(l4Result()).filter(
      (k) => !(FOLLOWER_FIELDS as readonly string[]).includes(k),
    );
    expect(outside).toEqual(['appended']);
    const { both, got } = setup();
    both(4, l4Result({ appended: 1460 }), l4Result({ appended: 0 }));
    expect(got()).toEqual([]);
  });

  it('two fields differ: both named in the message, in order, and the evidence says inbound', () => {
    const { both, got } = setup();
    both(7, l4Result(), l4Result({ rcv_nxt: 5001, snd_una: 9001 }));
    expect(got()[0]?.message).toBe(
      "pa/0 packet 7: the secondary's tcpcb does not follow the primary's (primary / secondary): rcv_nxt 5000 / 5001, snd_una 9000 / 9001",
    );
    expect(got()[0]?.evidence).toMatchObject({ direction: 'in', fields: ['rcv_nxt', 'snd_una'] });
  });

  it('one violation per session', () => {
    const { both, got } = setup();
    both(5, l4Result(), l4Result({ rcv_nxt: 1 }));
    both(6, l4Result(), l4Result({ snd_una: 1 }));
    expect(got()).toHaveLength(1);
    expect(got()[0]?.evidence).toMatchObject({ seq: 5, fields: ['rcv_nxt'] });
  });

  it('a real NSR world with traffic both ways: the non-follower fields keep their documented relations at 20 sampled packets, and the checker reports nothing', () => {
    const traffic = { ratePerSec: 150, sizeMin: 64, sizeMax: 1460 };
    const cfg = worldConfig({
      durationNs: 1500 * MS,
      router: { nsr: true },
      peers: [peer('pa', { sessions: 2, toRouter: traffic, fromRouter: traffic })],
    });
    const states: Array<NsrState | undefined> = [undefined, undefined];
    const firstSide = new Set<string>();
    let matched = 0;
    const samples: Array<{
      at: string;
      secDupacks: number;
      priSndMax: number;
      secSndMax: number;
      states: [string, string];
    }> = [];
    const sample = (nsr: NsrState, rep: Rep, seq: number) => {
      const other = states[1 - nsr.reIndex]?.rep(rep.peerHandle);
      if (other === undefined) return;
      const [pri, sec] = rep.role === 'primary' ? [rep, other] : [other, rep];
      samples.push({
        at: `${pairOf(nsr, rep)} seq ${seq}`,
        secDupacks: sec.conn.t_dupacks,
        priSndMax: pri.conn.snd_max,
        secSndMax: sec.conn.snd_max,
        states: [pri.conn.t_state, sec.conn.t_state],
      });
    };
    const { res } = runWorld(cfg, [TCP_FOLLOWER], (world) =>
      world.nsrStates.subscribe((nsr) => {
        states[nsr.reIndex] = nsr;
        nsr.l4Done.subscribe((rep, input) => {
          if (input.seq < 0 || (input.via !== 'ack' && input.via !== 'replicate')) return;
          const key = `${pairOf(nsr, rep)}/${input.seq}`;
          if (!firstSide.delete(key)) {
            firstSide.add(key);
            return;
          }
          // Both sockets have now processed the packet: every 19th matched one (of about
          // 400 in this run) is sampled, spread over the run.
          matched++;
          if (matched % 19 === 0 && samples.length < 20) sample(nsr, rep, input.seq);
        });
      }),
    );
    expect(of(res, TCP_FOLLOWER)).toEqual([]);
    expect(matched).toBeGreaterThanOrEqual(20 * 19);
    expect(samples).toHaveLength(20);
    for (const s of samples) {
      expect(s.secDupacks, s.at).toBe(0);
      expect(
        seqGeq(s.secSndMax, s.priSndMax),
        `${s.at}: snd_max ${s.secSndMax} >= ${s.priSndMax}`,
      ).toBe(true);
      expect(s.states, s.at).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    }
  });
});

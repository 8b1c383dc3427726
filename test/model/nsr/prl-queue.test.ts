// Proves PRL's queue operations one by one (model/nsr/prl-queue.ts): pair names and their
// parsing (G-2's pair, as identical-data and the replication messages read it), what the
// primary learns of the secondary's space (P-10, M-3, M-1), the one global queue (P-9)
// released for one socket while another's packets stay, the held packets a push releases
// (I-4, I-6: unreplicated, seq -1), and a packet for a gone handle going to the stack.
// Written for the survivors of the mutation run (reports/mutation/README.md).
import { describe, expect, it } from 'vitest';
import type { Segment } from '../../../model/net/segment.ts';
import {
  pairOf,
  parsePair,
  prlEnqueue,
  prlHead,
  prlL4Unreplicated,
  prlLearnSecSpace,
  prlRelease,
  prlSecondarySpace,
  prlShift,
  type PrlTracer,
} from '../../../model/nsr/prl-queue.ts';
import type { NsrState, PrlEntry, Rep } from '../../../model/nsr/state.ts';
import { Observers } from '../../../sim/index.ts';
import { K } from '../../../model/vocab.ts';

const seg = (seq: number, n: number): Segment =>
  ({ seq, payload: new Uint8Array(n) }) as unknown as Segment;

/** A fake kernel with PRL's per-RE state and what prlRelease/prlL4 reach. */
function kernel(prlQueue: 'per-inpcb' | 'global', reIndex: 0 | 1 = 0) {
  const toStack: Segment[] = [];
  const nsr = {
    reIndex,
    opts: { prlQueue },
    prl: { globalSeq: 0, bufferedBytes: 0, globalQueue: [], lastHeardNs: 0 },
    l4Done: new Observers(),
    is: () => false,
    rep: () => undefined,
    l4Fallback: (s: Segment) => toStack.push(s),
  } as unknown as NsrState;
  return { nsr, toStack };
}

/** A fake primary (or secondary) socket whose TCP input records what reached it. */
function socket(handle: number, role: 'primary' | 'secondary' = 'primary', peerHandle = 0) {
  const input: number[] = [];
  const rep = {
    session: `pa/${handle}`,
    handle,
    peerHandle,
    role,
    iha: { active: true, setupInProgress: false },
    rcv: { appended: 0 },
    prl: {
      queue: [],
      pending: [],
      queuedBytes: 0,
      secSpace: 0,
      windowSeq: -1,
      inputSpace: undefined,
      common_rcvbufspc: 0,
    },
    // The receive-side fields an L4 result reads (prl-queue.ts resultOf), so that publishing
    // one works whether or not anyone listens.
    conn: {
      input: (s: Segment) => input.push(s.seq),
      rcv_nxt: 0,
      rcv_wnd: 0,
      rcv_up: 0,
      snd_una: 0,
      snd_wnd: 0,
      snd_wl1: 0,
      snd_wl2: 0,
      max_sndwnd: 0,
      t_segq: { bytes: 0 },
      t_state: 'ESTABLISHED',
    },
  } as unknown as Rep;
  return { rep, input };
}

function tracer() {
  const records: Array<{ kind: string; fields: Record<string, unknown> }> = [];
  const tr: PrlTracer = {
    trace: (kind, fields = {}) => records.push({ kind, fields }),
  };
  return { tr, records };
}

const entry = (seq: number, bytes: number): PrlEntry => ({
  seq,
  arrival: seq,
  primarySpace: 0,
  seg: seg(1000 + seq, bytes),
  bytes,
  sentNs: 0,
});

describe('pair names (G-2): named by the primary, read back by parsePair', () => {
  it("a primary names its pair by its own RE and handle, a secondary by the other RE's and its peer handle", () => {
    const { nsr: re0 } = kernel('per-inpcb', 0);
    const { nsr: re1 } = kernel('per-inpcb', 1);
    expect(pairOf(re0, socket(1, 'primary', 9).rep)).toBe('re0#1');
    expect(pairOf(re1, socket(9, 'secondary', 1).rep)).toBe('re0#1');
    expect(pairOf(re1, socket(4, 'primary', 7).rep)).toBe('re1#4');
  });

  it('parsePair reads re0 and re1 names and refuses any other RE, a missing or a non-integer handle', () => {
    expect(parsePair('re0#5')).toEqual({ re: 0, handle: 5 });
    expect(parsePair('re1#7')).toEqual({ re: 1, handle: 7 });
    expect(parsePair('re2#7')).toBeUndefined();
    expect(parsePair('re0#x')).toBeUndefined();
    expect(parsePair('re1#1.5')).toBeUndefined();
    expect(parsePair('re0')).toBeUndefined();
  });
});

describe("what the primary knows of the secondary's space (P-10, M-3, M-1)", () => {
  it('an exact ACK (common below the primary space reported) sets it, less what the packet appended', () => {
    const { rep } = socket(1);
    rep.prl.secSpace = 5000;
    prlLearnSecSpace(rep, 3, 1000, 2000, 100);
    expect(rep.prl.secSpace).toBe(900);
  });

  it('an ACK equal to the primary space keeps a larger estimate, less what was appended, never below 0', () => {
    const { rep } = socket(1);
    rep.prl.secSpace = 5000;
    prlLearnSecSpace(rep, 3, 2000, 2000, 100);
    expect(rep.prl.secSpace).toBe(4900);
    prlLearnSecSpace(rep, 4, 10, 10, 5000);
    expect(rep.prl.secSpace).toBe(0);
  });

  it('a window update newer than the ACKed packet wins: the ACK only takes off what it appended', () => {
    const { rep } = socket(1);
    rep.prl.secSpace = 3000;
    rep.prl.windowSeq = 7;
    prlLearnSecSpace(rep, 7, 100, 2000, 200);
    expect(rep.prl.secSpace).toBe(2800);
    prlLearnSecSpace(rep, 6, 100, 2000, 5000);
    expect(rep.prl.secSpace).toBe(0);
    // A packet after the update is judged by its ACK as usual.
    rep.prl.secSpace = 3000;
    prlLearnSecSpace(rep, 8, 100, 2000, 0);
    expect(rep.prl.secSpace).toBe(100);
  });

  it('before any window update (windowSeq -1) every ACK is judged as an ACK, even past 2^31 packets', () => {
    const { rep } = socket(1);
    rep.prl.secSpace = 5000;
    // seqLeq(0x80000000, -1) holds in 32-bit sequence arithmetic: -1 must not count as a seq.
    prlLearnSecSpace(rep, 0x8000_0000, 1000, 2000, 100);
    expect(rep.prl.secSpace).toBe(900);
  });

  it("PSRM's set-up ACK gives the secondary's space", () => {
    const { rep } = socket(1);
    rep.iha.setupInProgress = true;
    prlSecondarySpace(rep, 4321);
    expect(rep.prl.secSpace).toBe(4321);
  });
});

describe('the queues (P-3, P-9)', () => {
  it('prlShift of an empty queue gives nothing and changes no count', () => {
    const { nsr } = kernel('per-inpcb');
    const { rep } = socket(1);
    expect(prlShift(nsr, rep)).toBeUndefined();
    expect(rep.prl.queuedBytes).toBe(0);
    expect(nsr.prl.bufferedBytes).toBe(0);
  });

  it("with one global queue a socket's head is its own only while it heads the global queue", () => {
    const { nsr } = kernel('global');
    const a = socket(1).rep;
    const b = socket(2).rep;
    prlEnqueue(nsr, a, entry(1, 10));
    prlEnqueue(nsr, b, entry(1, 20));
    expect(prlHead(nsr, a)?.bytes).toBe(10);
    expect(prlHead(nsr, b)).toBeUndefined();
    expect(prlShift(nsr, a)?.bytes).toBe(10);
    expect(prlHead(nsr, b)?.bytes).toBe(20);
  });

  it("releasing one socket takes only its packets out of the global queue; the other's stay in order", () => {
    const { nsr } = kernel('global');
    const a = socket(1);
    const b = socket(2).rep;
    // The released socket's packets at both ends of the global queue.
    prlEnqueue(nsr, a.rep, entry(1, 10));
    prlEnqueue(nsr, b, entry(1, 20));
    prlEnqueue(nsr, b, entry(2, 30));
    prlEnqueue(nsr, a.rep, entry(2, 11));
    const { tr } = tracer();
    prlRelease(nsr, tr, a.rep, 'push');
    expect(a.input).toEqual([1001, 1002]);
    expect(nsr.prl.globalQueue.map((g) => [g.handle, g.entry.bytes])).toEqual([
      [2, 20],
      [2, 30],
    ]);
    expect(nsr.prl.bufferedBytes).toBe(50);
    expect(prlShift(nsr, b)?.bytes).toBe(20);
    expect(prlShift(nsr, b)?.bytes).toBe(30);
  });
});

describe('releases and packets for gone handles (P-4, P-7, I-4, I-6)', () => {
  it('a push releases the queue, then the held packets up L4 unreplicated (seq -1), in arrival order', () => {
    const { nsr } = kernel('per-inpcb');
    const a = socket(1);
    prlEnqueue(nsr, a.rep, entry(1, 10));
    a.rep.prl.pending.push({ seg: seg(2000, 5), arrival: 7 });
    const { tr, records } = tracer();
    prlRelease(nsr, tr, a.rep, 'push');
    expect(a.input).toEqual([1001, 2000]);
    const l4 = records.filter((r) => r.kind === K.prl.l4).map((r) => r.fields);
    expect(l4).toMatchObject([
      { seq: 1, arrival: 1, role: 'primary', len: 10 },
      { seq: -1, arrival: 7, role: 'primary', len: 5 },
    ]);
    expect(records[0]).toMatchObject({
      kind: K.prl.release,
      fields: { mode: 'push', queued: 1, pending: 1 },
    });
  });

  it('a packet for a handle no longer replicated goes to the stack, traced as role none, seq -1', () => {
    const { nsr, toStack } = kernel('per-inpcb');
    const { tr, records } = tracer();
    const s = seg(3000, 12);
    prlL4Unreplicated(nsr, tr, 42, s);
    expect(toStack).toEqual([s]);
    expect(records).toEqual([
      { kind: K.prl.l4, fields: { handle: 42, seq: -1, role: 'none', len: 12 } },
    ]);
  });
});

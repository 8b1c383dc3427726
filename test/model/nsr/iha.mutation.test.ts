// Proves what IHA does on the paths its other tests leave unjudged (SPEC I-1, I-5, I-6, F-2, F-6): the bounded drain of a sync switchover and of a per-socket failover (what is left, when it gives up, the PRL queue dropped), the new master's guard timer, a set-up timing out or answered late, crafted and malformed IHA messages, the refusals of a per-socket failover, cleanups with secondaries on the master, and the sync state told to the chassis.
import { describe, expect, it } from 'vitest';
import type { IhaLocal } from '../../../model/nsr/iha.ts';
import type { Rep } from '../../../model/nsr/state.ts';
import { decodeMessage, encodeMessage } from '../../../model/nsr/wire.ts';
import { MS, SEC, type ActorContext } from '../../../sim/index.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import { Harness, fault, nsrConfig, peer, traffic } from './fixture.ts';

const IHA0 = ACTOR.nsr(0, 'iha');
const IHA1 = ACTOR.nsr(1, 'iha');
/** costs.ihaNs: the kernel hands IHA a role change or a request this much later. */
const IHA_NS = 20_000;
/** iha.ts DRAIN_MAX_NS: how long a hand-over waits for the queues to drain. */
const DRAIN_MAX_NS = 500 * MS;

/** Hands RE `re`'s IHA a local message at `atNs` (as its kernel, PSRM or an application would). */
function local(h: Harness, re: 0 | 1, atNs: number, msg: IhaLocal): void {
  h.at(atNs, (ctx: ActorContext) => ctx.send(h.nsr(re).ids.iha, msg));
}

/** The drain state IHA reports for a primary (iha.drained), computed from the socket itself. */
function drainOf(rep: Rep): Record<string, unknown> {
  return {
    session: rep.session,
    queued: rep.prl.queue.length,
    sdrlUnacked: rep.sdrl.sent - rep.sdrl.acked,
    sdrlUnsent: rep.sdrl.sndAppended - rep.sdrl.sent,
  };
}

function primary(h: Harness, re: 0 | 1, session: string): Rep {
  const rep = h.nsr(re).bySession.get(session);
  if (rep === undefined) throw new Error(`re${re}: no replicated ${session}`);
  return rep;
}

const BOTH_WAYS = { toRouter: traffic(200), fromRouter: traffic(200) };

describe('F-2: the drain of a sync switchover', () => {
  it('F-2, I-6: a switchover whose queues cannot drain waits 500 ms, then hands the socket over: iha.drained lists what was left, forget-primary drops the PRL queue (prl.drop reason release) and none of it goes up L4 on the old master', () => {
    // The inter-RE link holds everything from 990 ms for 700 ms: no ACK comes back.
    const h = new Harness(
      nsrConfig({
        durationNs: 1600 * MS,
        peers: [peer('pa', BOTH_WAYS)],
        faults: [
          fault(990 * MS, { kind: 'inter-re-hold', durationNs: 700 * MS }),
          fault(1 * SEC, { kind: 'switchover' }),
        ],
      }),
    );
    const deadline = 1 * SEC + IHA_NS + DRAIN_MAX_NS;
    h.runTo(deadline - 1);
    expect(h.of(K.iha.drained, IHA0)).toEqual([]);
    const rep = primary(h, 0, 'pa/0');
    const left = drainOf(rep);
    const queued = rep.prl.queue.map((e) => e.seq);
    expect(queued.length).toBeGreaterThan(0);
    expect(left.sdrlUnacked).toBeGreaterThan(0);
    expect(left.sdrlUnacked).toBeLessThan(64 * 1024);
    expect(left.sdrlUnsent).toBe(0);
    h.runTo(1600 * MS);
    expect(h.of(K.iha.becomeBackup, IHA0).map((r) => r.fields)).toEqual([{ primaries: 1 }]);
    const drained = h.of(K.iha.drained, IHA0);
    expect(drained.map((r) => [r.t, r.fields])).toEqual([[deadline, { undrained: [left] }]]);
    expect(h.of(K.iha.forgetPrimary, IHA0).map((r) => [r.t, r.fields])).toEqual([
      [deadline, { session: 'pa/0', handle: 1, reason: 'handed over' }],
    ]);
    expect(h.of(K.prl.release, IHA0).map((r) => r.fields)).toEqual([
      { session: 'pa/0', mode: 'drop', queued: queued.length, pending: 0 },
    ]);
    expect(h.of(K.prl.drop, IHA0).map((r) => [r.fields.reason, r.fields.seq])).toEqual(
      queued.map((s) => ['release', s]),
    );
    // Dropped, not pushed: the old primary's TCP is given nothing more once it is let go.
    expect(h.of(K.prl.l4, IHA0)).toEqual([]);
    // One failover message for the socket (the secondary's handle), then the final one.
    expect(h.tx(0, 'iha.failover').map((r) => [r.t, r.fields.handle])).toEqual([
      [deadline, rep.peerHandle],
      [deadline, 0],
    ]);
  });

  it('F-2: a switchover polls the drain while PRL still waits for ACKs and hands over as soon as they are in (peer-to-router traffic only)', () => {
    // Only the PRL queue is busy: the router writes nothing, so SDRL has nothing in flight.
    const h = new Harness(
      nsrConfig({
        durationNs: 1300 * MS,
        peers: [peer('pa', { toRouter: traffic(400), fromRouter: traffic(0) })],
        faults: [
          fault(900 * MS, { kind: 'inter-re-hold', durationNs: 200 * MS }),
          fault(1 * SEC, { kind: 'switchover' }),
        ],
      }),
    );
    h.runTo(1 * SEC + IHA_NS - 1);
    const rep = primary(h, 0, 'pa/0');
    expect(rep.prl.queue.length).toBeGreaterThan(0);
    expect(rep.sdrl.sent - rep.sdrl.acked).toBe(0);
    h.runTo(1300 * MS);
    const drained = h.of(K.iha.drained, IHA0);
    expect(drained.map((r) => r.fields)).toEqual([{ undrained: [] }]);
    const t = drained[0]?.t as number;
    // Released at 1.1 s, the ACKs are back a little later; polled every millisecond.
    expect(t).toBeGreaterThan(1100 * MS);
    expect(t).toBeLessThan(1110 * MS);
    expect((t - (1 * SEC + IHA_NS)) % MS).toBe(0);
    expect(h.tx(0, 'iha.failover').map((r) => r.t)).toEqual([t, t]);
    expect(h.of(K.prl.drop, IHA0)).toEqual([]);
  });
});

describe('F-2: the drain of a per-socket failover', () => {
  it('F-2: a per-socket failover that cannot drain hands the socket over at the 500 ms deadline, reporting what was left', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1600 * MS,
        peers: [peer('pa', BOTH_WAYS)],
        faults: [
          fault(990 * MS, { kind: 'inter-re-hold', durationNs: 700 * MS }),
          fault(1 * SEC, { kind: 'socket-failover', peer: 'pa', session: 0 }),
        ],
      }),
    );
    const deadline = 1 * SEC + IHA_NS + DRAIN_MAX_NS;
    h.runTo(deadline - 1);
    expect(h.of(K.iha.socketFailover, IHA0).map((r) => [r.t, r.fields])).toEqual([
      [1 * SEC + IHA_NS, { session: 'pa/0', handle: 1, peer: 1 }],
    ]);
    expect(h.of(K.iha.drained, IHA0)).toEqual([]);
    const rep = primary(h, 0, 'pa/0');
    const left = drainOf(rep);
    expect(left.queued).toBeGreaterThan(0);
    h.runTo(1600 * MS);
    expect(h.of(K.iha.drained, IHA0).map((r) => [r.t, r.fields])).toEqual([
      [deadline, { undrained: [left] }],
    ]);
    expect(h.of(K.iha.forgetPrimary, IHA0).map((r) => [r.t, r.fields.session])).toEqual([
      [deadline, 'pa/0'],
    ]);
    expect(h.tx(0, 'iha.failover').map((r) => [r.t, r.fields.handle])).toEqual([[deadline, 1]]);
  });

  it('F-2: a per-socket failover waits while SDRL data written by the application is not yet replicated (router-to-peer traffic only)', () => {
    // A slow SDRL (50 ms from the write to the replicate) leaves written bytes unsent.
    const h = new Harness(
      nsrConfig({
        durationNs: 1200 * MS,
        peers: [peer('pa', { toRouter: traffic(0), fromRouter: traffic(400) })],
        costs: { sdrlNs: 50 * MS },
      }),
    );
    h.runTo(1 * SEC);
    const rep = primary(h, 0, 'pa/0');
    // The application asks right after a write, before SDRL has replicated it.
    h.runUntil(() => rep.sdrl.sndAppended > rep.sdrl.sent, 1100 * MS);
    const asked = h.now;
    expect(rep.prl.queue.length).toBe(0);
    expect(rep.sdrl.sent).toBe(rep.sdrl.acked);
    expect(rep.sdrl.sndAppended).toBeGreaterThan(rep.sdrl.sent);
    const written = rep.sdrl.sndAppended;
    local(h, 0, asked, { type: 'iha.socket-failover', session: 'pa/0' });
    h.runTo(1200 * MS);
    const drained = h.of(K.iha.drained, IHA0);
    expect(drained.map((r) => r.fields)).toEqual([{ undrained: [] }]);
    expect(drained[0]?.t).toBeGreaterThan(asked);
    // Everything the application wrote was replicated before the hand-over.
    expect(rep.sdrl.acked).toBe(written);
  });
  it('F-2: a per-socket failover waits for the secondary to confirm SDRL data already sent to it', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1100 * MS,
        peers: [peer('pa', { toRouter: traffic(0), fromRouter: traffic(400) })],
      }),
    );
    h.runTo(1 * SEC);
    const rep = primary(h, 0, 'pa/0');
    // The application asks while SDRL's last data is on its way to the secondary.
    const inFlight = (): boolean =>
      rep.sdrl.acked < rep.sdrl.sent &&
      rep.sdrl.sent === rep.sdrl.sndAppended &&
      rep.prl.queue.length === 0;
    h.runUntil(inFlight, 1050 * MS);
    expect(inFlight()).toBe(true);
    const asked = h.now;
    local(h, 0, asked, { type: 'iha.socket-failover', session: 'pa/0' });
    h.runTo(1100 * MS);
    const drained = h.of(K.iha.drained, IHA0);
    expect(drained.map((r) => r.fields)).toEqual([{ undrained: [] }]);
    // Polled: handed over on the first poll after the ACK, not at the request.
    expect(drained[0]?.t).toBeGreaterThan(asked);
    expect(rep.sdrl.acked).toBe(rep.sdrl.sent);
  });
});

describe('F-2: the new master waits for the old master (sync guard)', () => {
  it("F-2: a new master that never gets the old master's failover messages fails every secondary over itself after 1 s (iha.sync-timeout) and cleans KKCM up with SWITCHOVER", () => {
    // The link holds the old master's hand-over until 2.19 s.
    const h = new Harness(
      nsrConfig({
        durationNs: 2300 * MS,
        faults: [
          fault(990 * MS, { kind: 'inter-re-hold', durationNs: 1200 * MS }),
          fault(1 * SEC, { kind: 'switchover' }),
        ],
      }),
    );
    expect(h.finish()).toEqual([]);
    const guard = 1 * SEC + IHA_NS + 1 * SEC;
    expect(h.of(K.iha.becomeMaster, IHA1).map((r) => r.fields)).toEqual([
      { sync: true, secondaries: 1 },
    ]);
    expect(h.of(K.iha.syncTimeout, IHA1).map((r) => r.t)).toEqual([guard]);
    expect(h.of(K.iha.failover, IHA1).map((r) => [r.t, r.fields.session])).toEqual([
      [guard, 'pa/0'],
    ]);
    expect(
      h.of(K.kkcm.cleanup, ACTOR.nsr(1, 'kkcm')).map((r) => [r.t, r.fields.reason]),
    ).toContainEqual([guard, 'SWITCHOVER']);
    expect(h.of(K.app.takeover, ACTOR.re(1)).map((r) => r.fields.session)).toEqual(['pa/0']);
  });
});

describe('per-socket failover, then a switchover or a channel error: the master holds a secondary', () => {
  it('F-2, K-7: after pa/0 moved to the backup, a switchover hands over only the primaries of the old master, which then deletes its secondary (cleanup SWITCHOVER); the guard timer of the new master expires harmlessly', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 2300 * MS,
        peers: [peer('pa', { sessions: 2 })],
        faults: [
          fault(1 * SEC, { kind: 'socket-failover', peer: 'pa', session: 0 }),
          fault(1200 * MS, { kind: 'switchover' }),
        ],
      }),
    );
    expect(h.finish()).toEqual([]);
    // The per-socket failover drained at once (nothing in flight) and handed pa/0 over.
    expect(h.of(K.iha.drained, IHA0)[0]?.fields).toEqual({ undrained: [] });
    expect(h.of(K.iha.becomeBackup, IHA0).map((r) => r.fields)).toEqual([{ primaries: 1 }]);
    expect(h.of(K.iha.becomeMaster, IHA1).map((r) => r.fields)).toEqual([
      { sync: true, secondaries: 1 },
    ]);
    const pa1 = h.of(K.iha.forgetPrimary, IHA0).filter((r) => r.t > 1200 * MS);
    expect(pa1.map((r) => r.fields.session)).toEqual(['pa/1']);
    expect(
      h
        .tx(0, 'iha.failover')
        .filter((r) => r.t > 1200 * MS)
        .map((r) => r.fields.handle),
    ).toEqual([2, 0]);
    const deleted = h.of(K.iha.deleteSecondary, IHA0);
    expect(deleted.map((r) => r.fields)).toEqual([
      { session: 'pa/0', handle: 3, reason: 'cleanup SWITCHOVER' },
    ]);
    expect(h.of(K.iha.syncTimeout)).toEqual([]);
    expect(h.of(K.kkcm.cleanup, ACTOR.nsr(1, 'kkcm')).map((r) => r.fields.reason)).toEqual([
      'SWITCHOVER',
    ]);
  });

  it('I-6, K-7: a channel error on the master deletes its secondary of a moved socket (cleanup IO_ERR) instead of failing it over, pushes its primary’s queue up L4, and the init after reconnecting sets the primary up again at once', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1300 * MS,
        peers: [peer('pa', { sessions: 2 })],
        faults: [
          fault(1 * SEC, { kind: 'socket-failover', peer: 'pa', session: 0 }),
          fault(1200 * MS, { kind: 'kkcm-io-error', target: 'master' }),
        ],
      }),
    );
    expect(h.finish()).toEqual([]);
    const after = (kind: string, actor: string): Array<Record<string, unknown>> =>
      h
        .of(kind, actor)
        .filter((r) => r.t >= 1200 * MS)
        .map((r) => r.fields);
    expect(after(K.iha.deleteSecondary, IHA0)).toEqual([
      { session: 'pa/0', handle: 3, reason: 'cleanup IO_ERR' },
    ]);
    expect(after(K.iha.failover, IHA0)).toEqual([]);
    expect(after(K.psrm.failover, ACTOR.nsr(0, 'psrm'))).toEqual([]);
    expect(after(K.prl.release, IHA0)).toEqual([
      { session: 'pa/1', mode: 'push', queued: 0, pending: 0 },
    ]);
    // F-4: the init routine (KKCM up) sets the unreplicated primary up, not the next period.
    const up = h.of(K.kkcm.up, ACTOR.nsr(0, 'kkcm')).filter((r) => r.t > 1200 * MS);
    const setup = h.of(K.iha.setup, IHA0).filter((r) => r.t > 1200 * MS);
    expect(setup.map((r) => [r.t, r.fields.session])).toEqual([[up[0]?.t, 'pa/1']]);
  });
});

describe('I-6: a set-up the other RE does not finish in time', () => {
  it('I-6: a set-up whose PSRM ACK does not come within psrmTimeoutNs is given up (set-up timed out): the secondary is told (iha.error), PRL pushes what it held, and each retry times out exactly psrmTimeoutNs after it began', () => {
    // PSRM is handed the socket 60 ms after the secondary answered: past the 50 ms timeout.
    const h = new Harness(
      nsrConfig({
        durationNs: 170 * MS,
        costs: { psrmNs: 60 * MS },
        timers: { psrmTimeoutNs: 50 * MS, kkcmPeriodNs: 10 * MS },
      }),
    );
    expect(h.finish()).toEqual([]);
    const setups = h.of(K.iha.setup, IHA0);
    const cleanups = h.of(K.iha.cleanupSocket, IHA0);
    expect(cleanups.map((r) => r.fields)).toEqual(
      [1, 2, 3].map((handle) => ({
        session: 'pa/0',
        handle,
        role: 'primary',
        reason: 'set-up timed out',
      })),
    );
    // The retries begin on a periodic tick, so their timeout falls on one exactly.
    expect(cleanups[1]?.t).toBe((setups[1]?.t as number) + 50 * MS);
    expect(cleanups[2]?.t).toBe((setups[2]?.t as number) + 50 * MS);
    expect(h.tx(0, 'iha.error').map((r) => r.fields.handle)).toEqual([1, 2, 3]);
    expect(new Set(h.of(K.prl.release, IHA0).map((r) => r.fields.mode))).toEqual(new Set(['push']));
    expect(h.of(K.iha.deleteSecondary, IHA1).map((r) => r.fields.reason)).toEqual([
      'peer reported failed',
      'peer reported failed',
      'peer reported failed',
    ]);
    expect(h.of(K.iha.active)).toEqual([]);
  });

  it('I-1, I-6: a mirror held on the way is timed out without telling the other RE (no secondary handle yet); the late mirrors replace each other there, the late ready messages of abandoned handles are ignored, and the last set-up completes', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 200 * MS,
        timers: { psrmTimeoutNs: 50 * MS, kkcmPeriodNs: 10 * MS },
        faults: [fault(2 * MS, { kind: 'inter-re-hold', durationNs: 120 * MS })],
      }),
    );
    expect(h.finish()).toEqual([]);
    expect(h.of(K.iha.cleanupSocket, IHA0).map((r) => r.fields.reason)).toEqual([
      'set-up timed out',
      'set-up timed out',
    ]);
    expect(h.tx(0, 'iha.error')).toEqual([]);
    expect(h.of(K.iha.deleteSecondary, IHA1).map((r) => r.fields)).toEqual([
      { session: 'pa/0', handle: 1, reason: 'replaced by a new mirror' },
      { session: 'pa/0', handle: 2, reason: 'replaced by a new mirror' },
    ]);
    expect(h.of(K.iha.readyUnknown, IHA0).map((r) => r.fields)).toEqual([
      { handle: 1 },
      { handle: 2 },
    ]);
    expect(h.of(K.iha.active, IHA0).map((r) => r.fields)).toEqual([
      { session: 'pa/0', handle: 3, peer: 3 },
    ]);
    expect(primary(h, 0, 'pa/0').iha.active).toBe(true);
    expect(h.nsr(1).reps.size).toBe(1);
  });
});

describe('I-1, I-6: answers and errors from the other RE during set-up', () => {
  // A slow PSRM hand-off (100 ms) keeps pa/0 in set-up from 3 ms to about 103 ms.
  const slowSetup = (durationNs: number): Harness =>
    new Harness(nsrConfig({ durationNs, costs: { psrmNs: 100 * MS } }));

  it('I-6: a ready saying the secondary could not be created ends the set-up (secondary init failed); PRL pushes what it held and the other RE is not told', () => {
    const h = slowSetup(90 * MS);
    h.sendVia(1, 50 * MS, { t: 'iha.ready', handle: 1, secondary: 0, reason: 'failed' });
    expect(h.finish()).toEqual([]);
    expect(h.of(K.iha.cleanupSocket, IHA0).map((r) => r.fields)).toEqual([
      { session: 'pa/0', handle: 1, role: 'primary', reason: 'secondary init failed: failed' },
    ]);
    expect(h.of(K.prl.release, IHA0).map((r) => r.fields.mode)).toEqual(['push']);
    expect(h.tx(0, 'iha.error')).toEqual([]);
    expect(h.nsr(0).reps.size).toBe(0);
  });

  it('I-6: a PSRM NACK during set-up ends it (PSRM init failed), tells the secondary (iha.error) and pushes what PRL held', () => {
    const h = slowSetup(90 * MS);
    h.sendVia(1, 50 * MS, { t: 'psrm.ack', handle: 1, space: 0, reason: 'notReplicating' });
    expect(h.finish()).toEqual([]);
    expect(h.of(K.iha.cleanupSocket, IHA0).map((r) => r.fields)).toEqual([
      {
        session: 'pa/0',
        handle: 1,
        role: 'primary',
        reason: 'PSRM init failed: notReplicating',
      },
    ]);
    expect(h.of(K.prl.release, IHA0).map((r) => r.fields.mode)).toEqual(['push']);
    expect(h.tx(0, 'iha.error').map((r) => r.fields.handle)).toEqual([1]);
    expect(h.of(K.iha.deleteSecondary, IHA1).map((r) => r.fields.reason)).toEqual([
      'peer reported failed',
    ]);
  });

  it('I-4: a PSRM completion for a socket IHA no longer has is ignored', () => {
    const h = new Harness(nsrConfig({ durationNs: 300 * MS }));
    local(h, 0, 200 * MS, { type: 'iha.psrm-done', handle: 99, ok: true, reason: 'ok' });
    expect(h.finish()).toEqual([]);
    expect(h.of(K.iha.active, IHA0)).toHaveLength(1);
    expect(h.of(K.iha.cleanupSocket)).toEqual([]);
  });

  it('I-5: a sync failover message naming a primary, or no socket at all, changes nothing', () => {
    const h = new Harness(nsrConfig({ durationNs: 400 * MS }));
    h.sendVia(1, 200 * MS, { t: 'iha.failover', handle: 1 });
    h.sendVia(1, 250 * MS, { t: 'iha.failover', handle: 999 });
    expect(h.finish()).toEqual([]);
    expect(h.of(K.iha.failover)).toEqual([]);
    expect(h.of(K.psrm.failover)).toEqual([]);
    expect(primary(h, 0, 'pa/0').iha.active).toBe(true);
    expect(primary(h, 0, 'pa/0').iha.failingOver).toBe(false);
  });

  it('I-1: a mirror whose 4-tuple already has a socket on the backup is refused with a failed ready, which the primary side ignores (no such handle)', () => {
    const h = new Harness(nsrConfig({ durationNs: 400 * MS }));
    h.runTo(100 * MS);
    const c = primary(h, 0, 'pa/0').conn;
    h.sendVia(0, 200 * MS, {
      t: 'iha.mirror',
      handle: 77,
      laddr: c.laddr,
      lport: c.lport,
      faddr: c.faddr,
      fport: c.fport,
      rtbl: 0,
      session: 'pa/9',
    });
    expect(h.finish()).toEqual([]);
    expect(
      h
        .tx(1, 'iha.ready')
        .filter((r) => r.t >= 200 * MS)
        .map((r) => r.fields),
    ).toEqual([expect.objectContaining({ handle: 77, secondary: 0, reason: 'failed' })]);
    expect(h.of(K.iha.secondary, IHA1).map((r) => r.fields.session)).toEqual(['pa/0']);
    expect(h.of(K.iha.readyUnknown, IHA0).map((r) => r.fields)).toEqual([{ handle: 77 }]);
  });

  it('I-1: iha.start tells the secondary whether it knows the handle', () => {
    const h = new Harness(nsrConfig({ durationNs: 300 * MS }));
    h.sendVia(0, 200 * MS, { t: 'iha.start', handle: 55, secondary: 1 });
    expect(h.finish()).toEqual([]);
    expect(h.of(K.iha.started, IHA1).map((r) => r.fields)).toEqual([
      { handle: 1, known: true },
      { handle: 55, known: false },
    ]);
  });

  it('I-6: an error reported by the other RE unreplicates the primary (PRL queue per nackError) without answering with an error of its own', () => {
    const h = new Harness(nsrConfig({ durationNs: 400 * MS }));
    h.sendVia(1, 200 * MS, { t: 'iha.error', handle: 1, reason: 'failed' });
    expect(h.finish()).toEqual([]);
    expect(h.of(K.iha.cleanupSocket, IHA0).map((r) => r.fields)).toEqual([
      { session: 'pa/0', handle: 1, role: 'primary', reason: 'peer reported failed' },
    ]);
    expect(h.of(K.prl.release, IHA0).map((r) => r.fields.mode)).toEqual(['drop']);
    expect(h.tx(0, 'iha.error')).toEqual([]);
  });

  it('I-1: asking again to replicate a socket that is already replicated changes nothing', () => {
    const h = new Harness(nsrConfig({ durationNs: 400 * MS }));
    h.at(200 * MS, (ctx) => {
      const s = h.world.res[0].session('pa/0');
      if (s?.conn === undefined) throw new Error('pa/0 has no socket');
      ctx.send(h.nsr(0).ids.iha, { type: 'iha.socket', session: 'pa/0', conn: s.conn, app: s });
    });
    expect(h.finish()).toEqual([]);
    expect(h.of(K.iha.setup, IHA0)).toHaveLength(1);
    expect(h.nsr(0).reps.size).toBe(1);
    expect(primary(h, 0, 'pa/0').iha.active).toBe(true);
  });
});

describe('I-1, I-4, F-4: which sockets are set up', () => {
  it('F-4, P-13: a socket the peer half-closed (CLOSE_WAIT) is set up again after a channel error, and its new secondary is in CLOSE_WAIT too', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 600 * MS,
        faults: [fault(300 * MS, { kind: 'kkcm-io-error', target: 'master' })],
      }),
    );
    h.at(200 * MS, () => h.world.peers[0]?.sessions[0]?.conn?.shutdown());
    const violations = h.finish();
    const again = h.of(K.iha.active, IHA0).filter((r) => r.t > 300 * MS);
    expect(again.map((r) => r.fields.session)).toEqual(['pa/0']);
    expect(primary(h, 0, 'pa/0').conn.t_state).toBe('CLOSE_WAIT');
    // Finding (fixed): PSRM's snapshot (F-4, M-1) carried the sequence state but not the
    // peer's FIN, and every new secondary came out ESTABLISHED although its rcv_nxt counted
    // the FIN; tcp-follower (P-13) reported "state CLOSE_WAIT / ESTABLISHED". The snapshot
    // now says the FIN was consumed (SNAP_RCVD_FIN) and the secondary is in CLOSE_WAIT.
    expect(violations).toEqual([]);
    const secondary = h.nsr(1).bySession.get('pa/0');
    expect(secondary?.role).toBe('secondary');
    expect(secondary?.conn.t_state).toBe('CLOSE_WAIT');
    expect(secondary?.conn.rcv_nxt).toBe(primary(h, 0, 'pa/0').conn.rcv_nxt);
  });

  it("F-2, G-3: that half-closed socket then survives a switchover: the new master takes it over in CLOSE_WAIT and no checker fires (no-loss-sync does not count the peer's FIN as a data byte)", () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1500 * MS,
        faults: [
          fault(300 * MS, { kind: 'kkcm-io-error', target: 'master' }),
          fault(800 * MS, { kind: 'switchover' }),
        ],
      }),
    );
    h.at(200 * MS, () => h.world.peers[0]?.sessions[0]?.conn?.shutdown());
    expect(h.finish()).toEqual([]);
    expect(h.of(K.psrm.failover, ACTOR.nsr(1, 'psrm')).map((r) => r.fields.state)).toEqual([
      'CLOSE_WAIT',
    ]);
  });
});

describe('K-5, I-6: malformed IHA messages', () => {
  it('K-5, I-6: a malformed IHA message naming a replicated socket cleans replication up on it and tells the other RE', () => {
    const h = new Harness(nsrConfig({ durationNs: 400 * MS }));
    const b = encodeMessage({ t: 'iha.ready', handle: 1, secondary: 1, reason: 'ok' }, 'ipc', 1);
    b[16] = 0xee; // no such reason code
    const parsed = decodeMessage(b, 1);
    expect(parsed.ok).toBe(false);
    h.writeRaw(1, 'send', 200 * MS, b);
    expect(h.finish()).toEqual([]);
    const bad = h.of(K.iha.malformed, IHA0);
    expect(bad.map((r) => r.fields.handle)).toEqual([1]);
    expect(String(bad[0]?.fields.error).length).toBeGreaterThan(0);
    const c = h.of(K.iha.cleanupSocket, IHA0);
    expect(c.map((r) => r.fields.reason)).toEqual([
      `malformed IHA message: ${bad[0]?.fields.error}`,
    ]);
    expect(h.of(K.prl.release, IHA0).map((r) => r.fields.mode)).toEqual(['push']);
    expect(h.tx(0, 'iha.error').map((r) => r.fields.handle)).toEqual([1]);
  });

  it('K-5, K-11: a malformed TLV IHA message whose handle cannot be read is traced with handle -1 and answered with nothing', () => {
    const h = new Harness(nsrConfig({ durationNs: 400 * MS, opts: { encoding: 'tlv' } }));
    const b = encodeMessage({ t: 'iha.error', handle: 1, reason: 'failed' }, 'tlv', 1);
    b[8] = 0x77; // the handle TLV's tag: no handle to be found
    b[9] = 0x77;
    const parsed = decodeMessage(b, 1);
    expect(parsed.ok).toBe(false);
    h.writeRaw(1, 'send', 200 * MS, b);
    expect(h.finish()).toEqual([]);
    expect(h.of(K.iha.malformed, IHA0).map((r) => r.fields.handle)).toEqual([-1]);
    expect(h.tx(0).filter((r) => r.t >= 200 * MS && /^iha\./.test(String(r.fields.t)))).toEqual([]);
    expect(primary(h, 0, 'pa/0').iha.active).toBe(true);
  });
});

describe('I-5: a failover before replication was active', () => {
  it('I-5, F-6: a master crash while a socket is still in set-up deletes its secondary on the new master (failover before replication was active) instead of failing it over', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 200 * MS,
        costs: { psrmNs: 100 * MS },
        faults: [fault(50 * MS, { kind: 're-crash', target: 'master' })],
      }),
    );
    h.runTo(200 * MS);
    expect(h.of(K.iha.becomeMaster, IHA1).map((r) => r.fields)).toEqual([
      { sync: false, secondaries: 1 },
    ]);
    expect(h.of(K.iha.deleteSecondary, IHA1).map((r) => r.fields)).toEqual([
      { session: 'pa/0', handle: 1, reason: 'failover before replication was active' },
    ]);
    expect(h.of(K.iha.failover)).toEqual([]);
    expect(h.of(K.psrm.failover)).toEqual([]);
  });
});

describe('F-6: a switchover accepted while the backup re-synchronizes (mutant chassis-ignores-sync-state)', () => {
  it('F-6: with KKCM down, the old master hands nothing over: no drain, no failover message', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 800 * MS,
        mutant: 'chassis-ignores-sync-state',
        faults: [
          fault(500 * MS, { kind: 're-crash', target: 'backup' }),
          fault(700 * MS, { kind: 're-restart', target: 'backup' }),
          fault(700 * MS, { kind: 'switchover' }),
        ],
      }),
    );
    h.runTo(800 * MS);
    expect(h.of(K.iha.becomeBackup, IHA0).map((r) => r.fields)).toEqual([{ primaries: 0 }]);
    expect(h.of(K.iha.drained, IHA0)).toEqual([]);
    expect(h.of(K.nsr.sendFailed.iha, IHA0)).toEqual([]);
    expect(h.tx(0, 'iha.failover')).toEqual([]);
  });

  it('F-6: a socket still in set-up at the switchover is given up by the old master without a failover message (only the final one)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 800 * MS,
        mutant: 'chassis-ignores-sync-state',
        costs: { psrmNs: 100 * MS },
        faults: [
          fault(500 * MS, { kind: 're-crash', target: 'backup' }),
          fault(700 * MS, { kind: 're-restart', target: 'backup' }),
          fault(750 * MS, { kind: 'switchover' }),
        ],
      }),
    );
    h.runTo(800 * MS);
    const sw = h.of(K.iha.becomeBackup, IHA0);
    expect(sw.map((r) => r.fields)).toEqual([{ primaries: 1 }]);
    expect(h.of(K.iha.drained, IHA0).map((r) => r.fields)).toEqual([{ undrained: [] }]);
    expect(h.tx(0, 'iha.failover').map((r) => r.fields.handle)).toEqual([0]);
    expect(
      h
        .of(K.iha.forgetPrimary, IHA0)
        .filter((r) => r.t >= 750 * MS)
        .map((r) => r.fields.reason),
    ).toEqual(['handed over']);
  });
  it('F-6, F-1: a switchover while the old master still fails over its secondary of a moved socket (ORE_DOWN, KKCM not back yet) leaves that secondary to fail over: only primaries are dropped', () => {
    // pa/0 moves to RE1 (per-socket failover), so RE0 holds its secondary. RE1 crashes;
    // 100 ms later RE0 learns it (ORE_DOWN) and fails the secondary over, which takes PSRM
    // psrmNs (200 ms). RE1 restarts and the switchover comes at once, before KKCM is back.
    const psrmNs = 200 * MS;
    const oreDown = 1700 * MS;
    const h = new Harness(
      nsrConfig({
        durationNs: 2 * SEC,
        mutant: 'chassis-ignores-sync-state',
        costs: { psrmNs },
        faults: [
          fault(1 * SEC, { kind: 'socket-failover', peer: 'pa', session: 0 }),
          fault(1600 * MS, { kind: 're-crash', target: 'backup' }),
          fault(1705 * MS, { kind: 're-restart', target: 'backup' }),
          fault(1705 * MS, { kind: 'switchover' }),
        ],
      }),
    );
    const sw = 1705 * MS + IHA_NS;
    h.runTo(sw + 1);
    const sec = primary(h, 0, 'pa/0');
    expect([sec.role, sec.iha.failingOver, h.nsr(0).kkcm.ready]).toEqual([
      'secondary',
      true,
      false,
    ]);
    expect(h.of(K.iha.failover, IHA0).map((r) => [r.t, r.fields])).toEqual([
      [oreDown, { session: 'pa/0', handle: sec.handle }],
    ]);
    expect(h.of(K.iha.becomeBackup, IHA0).map((r) => [r.t, r.fields])).toEqual([
      [sw, { primaries: 0 }],
    ]);
    // The old master drops its primaries (none) and leaves the failing-over secondary be.
    expect(h.nsr(0).rep(sec.handle)).toBe(sec);
    expect(h.of(K.iha.forgetPrimary, IHA0).filter((r) => r.t >= oreDown)).toEqual([]);
    expect(h.of(K.iha.deleteSecondary, IHA0)).toEqual([]);
    expect(h.of(K.iha.drained, IHA0).filter((r) => r.t >= oreDown)).toEqual([]);
    h.runTo(oreDown + psrmNs + 1);
    // PSRM's failover handler runs psrmNs after the failover began.
    expect(h.of(K.psrm.failover, ACTOR.nsr(0, 'psrm')).map((r) => [r.t, r.fields.session])).toEqual(
      [[oreDown + psrmNs, 'pa/0']],
    );
  });
});

describe('F-2: refused per-socket failover requests', () => {
  const refusals = (h: Harness, actor: string): unknown[] =>
    h.of(K.iha.socketFailoverRefused, actor).map((r) => r.fields);

  it('F-2: a request on the RE holding the secondary is refused (not the primary)', () => {
    const h = new Harness(nsrConfig({ durationNs: 300 * MS }));
    local(h, 1, 200 * MS, { type: 'iha.socket-failover', session: 'pa/0' });
    expect(h.finish()).toEqual([]);
    expect(refusals(h, IHA1)).toEqual([{ session: 'pa/0', reason: 'not the primary' }]);
    expect(h.of(K.iha.socketFailover)).toEqual([]);
  });

  it('F-2: a request during set-up is refused (replication not active yet)', () => {
    const h = new Harness(nsrConfig({ durationNs: 90 * MS, costs: { psrmNs: 100 * MS } }));
    local(h, 0, 50 * MS, { type: 'iha.socket-failover', session: 'pa/0' });
    expect(h.finish()).toEqual([]);
    expect(refusals(h, IHA0)).toEqual([{ session: 'pa/0', reason: 'replication not active yet' }]);
    expect(h.of(K.iha.socketFailover)).toEqual([]);
  });

  it('F-2: a second request while the socket drains is refused (already failing over)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1200 * MS,
        peers: [peer('pa', BOTH_WAYS)],
        faults: [fault(990 * MS, { kind: 'inter-re-hold', durationNs: 100 * MS })],
      }),
    );
    local(h, 0, 1 * SEC, { type: 'iha.socket-failover', session: 'pa/0' });
    local(h, 0, 1010 * MS, { type: 'iha.socket-failover', session: 'pa/0' });
    h.runTo(1200 * MS);
    expect(refusals(h, IHA0)).toEqual([{ session: 'pa/0', reason: 'already failing over' }]);
    expect(h.of(K.iha.socketFailover, IHA0)).toHaveLength(1);
    expect(h.of(K.iha.forgetPrimary, IHA0)).toHaveLength(1);
  });

  it('F-2: a request arriving just after the channel failed is refused (no channel to the other RE)', () => {
    const h = new Harness(nsrConfig({ durationNs: 300 * MS }));
    h.at(200 * MS, (ctx) => {
      // The channel error reaches KKCM first, the request IHA before KKCM's cleanup does.
      ctx.send(h.nsr(0).ids.kkcm, { type: 'kkcm.io-error', detail: 'test' });
      ctx.send(h.nsr(0).ids.iha, { type: 'iha.socket-failover', session: 'pa/0' });
    });
    h.runTo(300 * MS);
    expect(refusals(h, IHA0)).toEqual([{ session: 'pa/0', reason: 'no channel to the other RE' }]);
    expect(h.of(K.iha.socketFailover)).toEqual([]);
  });

  it('F-2: replication torn down while the socket drains abandons the hand-over (iha.socket-failover-abandoned names the socket)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1300 * MS,
        peers: [peer('pa', BOTH_WAYS)],
        faults: [
          fault(990 * MS, { kind: 'inter-re-hold', durationNs: 300 * MS }),
          fault(1 * SEC, { kind: 'socket-failover', peer: 'pa', session: 0 }),
          fault(1100 * MS, { kind: 'kkcm-io-error', target: 'master' }),
        ],
      }),
    );
    h.runTo(1300 * MS);
    expect(h.of(K.iha.socketFailoverAbandoned, IHA0).map((r) => r.fields)).toEqual([
      { session: 'pa/0', handle: 1 },
    ]);
    expect(h.of(K.iha.forgetPrimary)).toEqual([]);
    expect(h.of(K.iha.drained)).toEqual([]);
  });
});

describe('F-4, F-6: the sync state told to the chassis', () => {
  it('F-6: only the master reports, and only changes: synced, then one pending per socket being set up, then synced again', () => {
    const h = new Harness(
      nsrConfig({ durationNs: 500 * MS, peers: [peer('pa', { sessions: 2 })] }),
    );
    expect(h.finish()).toEqual([]);
    expect(h.of(K.iha.syncState, IHA0).map((r) => r.fields)).toEqual([
      { synced: true, pending: 0 },
      { synced: false, pending: 1 },
      { synced: false, pending: 2 },
      { synced: false, pending: 1 },
      { synced: true, pending: 0 },
    ]);
    expect(h.of(K.iha.syncState, IHA1)).toEqual([]);
    expect(h.sends('chassis.sync-state', IHA1)).toEqual([]);
  });
});

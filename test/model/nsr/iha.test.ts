// Proves that IHA sets up replication in the order SPEC I-1/I-4 give (mirror, secondary, ready, PSRM replicate/ACK, active, PRL flush), keeps consistent handle tables on both REs (I-2), drives the two inpcb flags over a socket's life (I-3), NACKs unknown handles, cleans a socket up on both REs when an error is posted (I-6), and coordinates failover so every secondary becomes primary and its application takes over (I-5).
import { describe, expect, it } from 'vitest';
import type { Rep } from '../../../model/nsr/state.ts';
import {
  PSRM_INIT_FIELDS,
  PSRM_STATE_FIELDS,
  type PsrmInitFields,
  type PsrmStateFields,
} from '../../../model/nsr/wire.ts';
import { MS, SEC, type TraceRecord } from '../../../sim/index.ts';
import { Harness, fault, nsrConfig, peer } from './fixture.ts';
import { ACTOR, K } from '../../../model/vocab.ts';

function idx(h: Harness, pred: (r: TraceRecord) => boolean, what: string): number {
  const i = h.recs.findIndex(pred);
  if (i < 0) throw new Error(`no record: ${what}`);
  return i;
}

describe('I-1, I-4: handle exchange and initialization order', () => {
  it('I-1, I-4: mirror → secondary created → ready → PSRM replicate → PSRM applied/ACK → active → PRL flush, with the handles each side allocated', () => {
    const h = new Harness(nsrConfig({ durationNs: 200 * MS }));
    expect(h.finish()).toEqual([]);
    const setup = idx(
      h,
      (r) => r.kind === K.iha.setup && r.actor === ACTOR.nsr(0, 'iha'),
      'iha.setup',
    );
    const primary = h.recs[setup]?.fields.handle as number;
    const mirrorTx = idx(
      h,
      (r) => r.kind === K.kkcm.tx && r.fields.t === 'iha.mirror' && r.fields.handle === primary,
      'mirror tx',
    );
    const secondary = idx(
      h,
      (r) => r.kind === K.iha.secondary && r.actor === ACTOR.nsr(1, 'iha'),
      'iha.secondary',
    );
    const sec = h.recs[secondary]?.fields;
    expect(sec?.peer).toBe(primary);
    const readyTx = idx(
      h,
      (r) => r.kind === K.kkcm.tx && r.actor === ACTOR.nsr(1, 'iha') && r.fields.t === 'iha.ready',
      'ready tx',
    );
    expect(h.recs[readyTx]?.fields).toMatchObject({
      handle: primary,
      secondary: sec?.handle,
      reason: 'ok',
    });
    const readyRx = idx(
      h,
      (r) => r.kind === K.kkcm.rx && r.actor === ACTOR.nsr(0, 'kkcm') && r.fields.t === 'iha.ready',
      'ready rx',
    );
    const psrmRep = idx(
      h,
      (r) => r.kind === K.psrm.replicate && r.actor === ACTOR.nsr(0, 'psrm'),
      'psrm.replicate',
    );
    const psrmTx = idx(
      h,
      (r) => r.kind === K.kkcm.tx && r.fields.t === 'psrm.replicate',
      'psrm.replicate tx',
    );
    expect(h.recs[psrmTx]?.fields.handle).toBe(sec?.handle);
    const applied = idx(
      h,
      (r) => r.kind === K.psrm.applied && r.actor === ACTOR.nsr(1, 'psrm'),
      'psrm.applied',
    );
    const ackTx = idx(
      h,
      (r) => r.kind === K.kkcm.tx && r.actor === ACTOR.nsr(1, 'psrm') && r.fields.t === 'psrm.ack',
      'psrm.ack tx',
    );
    expect(h.recs[ackTx]?.fields.reason).toBe('ok');
    const active = idx(
      h,
      (r) => r.kind === K.iha.active && r.actor === ACTOR.nsr(0, 'iha'),
      'iha.active',
    );
    expect(h.recs[active]?.fields).toMatchObject({ handle: primary, peer: sec?.handle });
    const flush = idx(
      h,
      (r) => r.kind === K.prl.flush && r.actor === ACTOR.nsr(0, 'prl'),
      'prl.flush',
    );
    const order = [
      setup,
      mirrorTx,
      secondary,
      readyTx,
      readyRx,
      psrmRep,
      psrmTx,
      applied,
      ackTx,
      active,
      flush,
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Nothing of PRL or SDRL is replicated before active.
    const firstData = h.recs.findIndex(
      (r) => r.kind === K.kkcm.tx && /^(prl|sdrl)\./.test(String(r.fields.t)),
    );
    if (firstData >= 0) expect(firstData).toBeGreaterThan(active);
  });

  it('I-1: every session gets its own handle pair, allocated by each RE from its own space', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 300 * MS,
        peers: [peer('pa', { sessions: 3 }), peer('pb', { initiator: 'router' })],
      }),
    );
    expect(h.finish()).toEqual([]);
    const actives = h.of(K.iha.active, ACTOR.nsr(0, 'iha'));
    expect(actives).toHaveLength(4);
    expect(new Set(actives.map((r) => r.fields.handle)).size).toBe(4);
    expect(new Set(actives.map((r) => r.fields.peer)).size).toBe(4);
  });
});

describe('I-2: handle tables', () => {
  it('I-2: each RE maps its handle to the inpcb, the pairs point at each other, and bySession/byConn agree', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 500 * MS,
        peers: [peer('pa', { sessions: 3 }), peer('pb', { initiator: 'router' })],
      }),
    );
    expect(h.finish()).toEqual([]);
    const p = h.nsr(0);
    const s = h.nsr(1);
    expect(p.reps.size).toBe(4);
    expect(s.reps.size).toBe(4);
    for (const [handle, rep] of p.reps) {
      expect(rep.handle).toBe(handle);
      expect(rep.role).toBe('primary');
      expect(p.bySession.get(rep.session)).toBe(rep);
      expect(p.byConn.get(rep.conn)).toBe(rep);
      expect(h.world.res[0].session(rep.session)?.conn).toBe(rep.conn);
      const twin = s.reps.get(rep.peerHandle) as Rep;
      expect(twin.role).toBe('secondary');
      expect(twin.peerHandle).toBe(handle);
      expect(twin.session).toBe(rep.session);
      expect(s.byConn.get(twin.conn)).toBe(twin);
      // The same 4-tuple on both REs (the secondary socket was adopted without a handshake).
      expect([twin.conn.laddr, twin.conn.lport, twin.conn.faddr, twin.conn.fport]).toEqual([
        rep.conn.laddr,
        rep.conn.lport,
        rep.conn.faddr,
        rep.conn.fport,
      ]);
    }
  });

  it('I-2: a replicate message with an unknown handle is NACKed invalid handle (PRL, PSRM and SDRL) and reported, and replication of the real socket is untouched', () => {
    const h = new Harness(nsrConfig({ durationNs: 600 * MS }));
    const fields = Object.fromEntries(PSRM_INIT_FIELDS.map((n) => [n, 1])) as PsrmInitFields;
    const state = Object.fromEntries(PSRM_STATE_FIELDS.map((n) => [n, 0])) as PsrmStateFields;
    h.sendVia(0, 200 * MS, {
      t: 'prl.replicate',
      handle: 999,
      seq: 42,
      primarySpace: 1000,
      iif: 0,
      packet: new Uint8Array(40),
    });
    h.sendVia(0, 210 * MS, {
      t: 'psrm.replicate',
      handle: 998,
      fields,
      state,
      rcvData: new Uint8Array(0),
      sndData: new Uint8Array(0),
      rcvOoo: new Uint8Array(0),
      md5Key: new Uint8Array(0),
    });
    h.sendVia(0, 220 * MS, {
      t: 'sdrl.data',
      handle: 997,
      offset: 0,
      snd_nxt: 0,
      snd_up: 0,
      urgent: false,
      data: new Uint8Array(8),
    });
    expect(h.finish()).toEqual([]);
    expect(h.of(K.prl.nackSent, ACTOR.nsr(1, 'prl'))).toEqual([
      expect.objectContaining({ fields: { handle: 999, seq: 42, reason: 'invalidHandle' } }),
    ]);
    expect(h.of(K.nsr.replicationError, ACTOR.nsr(1, 'prl'))).toEqual([
      expect.objectContaining({
        fields: expect.objectContaining({ handle: 999, reason: 'invalid handle' }),
      }),
    ]);
    const nacks = h.tx(1).filter((r) => r.fields.reason === 'invalidHandle');
    expect(nacks.map((r) => [r.fields.t, r.fields.handle])).toEqual([
      ['prl.ack', 999],
      ['psrm.ack', 998],
      ['sdrl.ack', 997],
    ]);
    // The primary does not know those handles either: it ignores the NACKs.
    expect(h.of(K.prl.ackUnknown, ACTOR.nsr(0, 'prl'))).toHaveLength(1);
    expect(h.of(K.iha.cleanupSocket)).toEqual([]);
    expect(h.nsr(0).bySession.get('pa/0')?.iha.active).toBe(true);
  });

  it('I-2: a PRL replicate for a socket that is not a replicating secondary is NACKed not-replicating', () => {
    const h = new Harness(nsrConfig({ durationNs: 400 * MS }));
    // RE1 sends a replicate naming RE0's primary handle: RE0's socket is a primary.
    h.sendVia(1, 200 * MS, {
      t: 'prl.replicate',
      handle: 1,
      seq: 5,
      primarySpace: 1000,
      iif: 0,
      packet: new Uint8Array(40),
    });
    h.finish();
    expect(h.of(K.prl.nackSent, ACTOR.nsr(0, 'prl'))).toEqual([
      expect.objectContaining({ fields: { handle: 1, seq: 5, reason: 'notReplicating' } }),
    ]);
    expect(h.tx(0, 'prl.ack').filter((r) => r.fields.reason === 'notReplicating')).toHaveLength(1);
  });
});

describe('I-3: the two inpcb flags', () => {
  it('I-3: primary: neither → setup in progress → active (setup off); secondary: neither → active; both go off at failover', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1500 * MS,
        faults: [fault(1 * SEC, { kind: 're-crash', target: 'master' })],
      }),
    );
    const seen: Record<0 | 1, string[]> = { 0: [], 1: [] };
    const reps: Record<0 | 1, Rep | undefined> = { 0: undefined, 1: undefined };
    h.world.sim.trace.addListener(() => {
      for (const re of [0, 1] as const) {
        const rep = h.world.res[re].nsr?.bySession.get('pa/0') ?? reps[re];
        if (rep === undefined) continue;
        reps[re] = rep;
        const state = `${rep.role}:${rep.iha.setupInProgress ? 'setup' : '-'}:${rep.iha.active ? 'active' : '-'}`;
        if (seen[re].at(-1) !== state) seen[re].push(state);
      }
    });
    expect(h.finish()).toEqual([]);
    expect(seen[0]).toEqual(['primary:setup:-', 'primary:-:active']);
    // The secondary: created inactive, active once PSRM applied the state, inactive when
    // IHA starts the failover, then PSRM makes it the primary (still inactive: RE0 is gone).
    expect(seen[1]).toEqual([
      'secondary:-:-',
      'secondary:-:active',
      'secondary:-:-',
      'primary:-:-',
    ]);
  });

  it("I-3: while setup is in progress the primary holds the peer's packets (PRL pending), and active turns the hold into replication", () => {
    // A slow PSRM makes set-up last long enough for packets to arrive meanwhile.
    const h = new Harness(
      nsrConfig({
        durationNs: 600 * MS,
        costs: { psrmNs: 150 * MS },
        peers: [peer('pa', { toRouter: { ratePerSec: 100, sizeMin: 64, sizeMax: 600 } })],
      }),
    );
    const flagsAtPending: Array<[boolean, boolean]> = [];
    h.world.sim.trace.addListener((r) => {
      if (r.kind !== K.prl.pending) return;
      const rep = h.nsr(0).bySession.get('pa/0') as Rep;
      flagsAtPending.push([rep.iha.setupInProgress, rep.iha.active]);
    });
    expect(h.finish()).toEqual([]);
    // The peer's initial window's worth of segments arrives while set-up runs.
    expect(flagsAtPending.length).toBeGreaterThanOrEqual(3);
    expect(new Set(flagsAtPending.map((f) => f.join()))).toEqual(new Set(['true,false']));
    const active = h.of(K.iha.active, ACTOR.nsr(0, 'iha'))[0] as TraceRecord;
    expect(h.of(K.prl.pending, ACTOR.nsr(0, 'prl')).every((r) => r.id < active.id)).toBe(true);
    expect(h.of(K.prl.flush, ACTOR.nsr(0, 'prl'))[0]?.fields.packets).toBe(flagsAtPending.length);
  });
});

describe('I-6: errors posted to IHA', () => {
  it('I-6: a NACK not-replicating posted by PRL cleans replication up on both REs (primary unreplicated, secondary deleted), then IHA sets the socket up again', () => {
    const h = new Harness(nsrConfig({ durationNs: 1 * SEC }));
    // The secondary's PRL says it does not replicate the socket (primary handle 1).
    h.sendVia(1, 300 * MS, { t: 'prl.ack', handle: 1, seq: 0, space: 0, reason: 'notReplicating' });
    expect(h.finish()).toEqual([]);
    const err = h.of(K.nsr.replicationError, ACTOR.nsr(0, 'prl'));
    expect(err).toHaveLength(1);
    expect(err[0]?.fields.reason).toMatch(/NACK notReplicating/);
    const c0 = h.of(K.iha.cleanupSocket, ACTOR.nsr(0, 'iha'));
    const c1 = h.of(K.iha.cleanupSocket, ACTOR.nsr(1, 'iha'));
    expect(c0.map((r) => r.fields.role)).toEqual(['primary']);
    expect(c1.map((r) => r.fields.role)).toEqual(['secondary']);
    expect(h.of(K.iha.deleteSecondary, ACTOR.nsr(1, 'iha'))).toHaveLength(1);
    // The peer RE was told with iha.error.
    expect(h.tx(0, 'iha.error')).toHaveLength(1);
    // Set up again from the current state (I-1 with the F-4 extension), new handles.
    const again = h.of(K.iha.active, ACTOR.nsr(0, 'iha')).filter((r) => r.t > 300 * MS);
    expect(again).toHaveLength(1);
    expect(again[0]?.fields.handle).toBe(2);
    expect(h.nsr(0).reps.size).toBe(1);
    expect(h.nsr(1).reps.size).toBe(1);
  });

  it('I-6: a channel I/O error cleans up every socket on both REs; the primaries carry on unreplicated until KKCM is back', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1 * SEC,
        peers: [peer('pa', { sessions: 2 })],
        faults: [fault(500 * MS, { kind: 'kkcm-io-error', target: 're0' })],
      }),
    );
    h.runTo(500 * MS + 1);
    expect(h.nsr(0).reps.size).toBe(0);
    expect(h.finish()).toEqual([]);
    expect(h.of(K.iha.cleanup, ACTOR.nsr(0, 'iha'))[0]?.fields).toEqual({
      reason: 'IO_ERR',
      sockets: 2,
    });
    expect(
      h.of(K.iha.deleteSecondary, ACTOR.nsr(1, 'iha')).filter((r) => r.t > 500 * MS),
    ).toHaveLength(2);
    expect(h.of(K.iha.active, ACTOR.nsr(0, 'iha')).filter((r) => r.t > 500 * MS)).toHaveLength(2);
  });
});

describe('I-5: failover coordination', () => {
  it('I-5: on a master crash every secondary becomes primary: iha.failover, then psrm.failover, then app.takeover, per socket', () => {
    const sessions = ['pa/0', 'pa/1', 'pa/2', 'pb/0'];
    const h = new Harness(
      nsrConfig({
        durationNs: 1500 * MS,
        peers: [peer('pa', { sessions: 3 }), peer('pb', { initiator: 'router' })],
        faults: [fault(1 * SEC, { kind: 're-crash', target: 'master' })],
      }),
    );
    expect(h.finish()).toEqual([]);
    for (const s of sessions) {
      const fo = idx(
        h,
        (r) => r.kind === K.iha.failover && r.fields.session === s,
        `iha.failover ${s}`,
      );
      const ps = idx(
        h,
        (r) => r.kind === K.psrm.failover && r.fields.session === s,
        `psrm.failover ${s}`,
      );
      const tk = idx(
        h,
        (r) => r.kind === K.app.takeover && r.fields.session === s,
        `app.takeover ${s}`,
      );
      expect(fo).toBeLessThan(ps);
      expect(ps).toBeLessThan(tk);
      expect(h.recs[ps]?.fields.state).toBe('ESTABLISHED');
      const app = h.world.res[1].session(s);
      expect(app?.mode).toBe('active');
      expect(app?.conn?.replica).toBe(false);
    }
    const become = idx(
      h,
      (r) => r.kind === K.iha.becomeMaster && r.actor === ACTOR.nsr(1, 'iha'),
      'become-master',
    );
    expect(h.recs[become]?.fields).toEqual({ sync: false, secondaries: 4 });
    // No secondary is left on the new master; the sockets wait to be replicated to the next backup.
    expect([...h.nsr(1).reps.values()].filter((r) => r.role === 'secondary')).toEqual([]);
    // And the sessions carry on: the peers keep receiving from the new master.
    for (const p of h.world.peers)
      for (const s of p.sessions) expect(s.verifier.errors).toEqual([]);
  });

  it('I-5: a manual switchover fails each socket over by its own failover message from the old master, then the handle-0 one', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1500 * MS,
        peers: [peer('pa', { sessions: 2 })],
        faults: [fault(1 * SEC, { kind: 'switchover' })],
      }),
    );
    expect(h.finish()).toEqual([]);
    const msgs = h.tx(0, 'iha.failover').map((r) => r.fields.handle);
    expect(msgs).toHaveLength(3);
    expect(msgs.at(-1)).toBe(0);
    expect(h.of(K.psrm.failover, ACTOR.nsr(1, 'psrm'))).toHaveLength(2);
    expect(h.of(K.app.takeover, ACTOR.re(1))).toHaveLength(2);
    // The old master forgot its primaries; the new one replicates them back to it.
    expect(h.of(K.iha.forgetPrimary, ACTOR.nsr(0, 'iha'))).toHaveLength(2);
    expect(h.of(K.iha.active, ACTOR.nsr(1, 'iha'))).toHaveLength(2);
  });
});

describe('F-6: the sync state told to the chassis is worked out only after a recorded change', () => {
  it('F-6: IHA updates its pending list only for the sessions NsrState.syncChange named, and a sampled walk catches an active flag changed behind its back', () => {
    // reportSync's incremental list is paired with every writer of candidates, handle tables
    // and active flags naming its session in syncChange: one that forgot would leave the
    // chassis with a stale sync state, so one call in 64 walks every candidate and must agree.
    // Steady state: IHA hears KKCM's periodic call every 100 ms, and nothing changes.
    const cfg = nsrConfig({ durationNs: 10 * SEC, peers: [peer('pa', { sessions: 2 })] });
    const honest = new Harness(cfg);
    expect(honest.finish()).toEqual([]);
    expect(honest.of(K.iha.syncState, ACTOR.nsr(0, 'iha')).at(-1)?.fields).toEqual({
      synced: true,
      pending: 0,
    });
    const h = new Harness(cfg);
    h.runTo(1 * SEC);
    const rep = h.rep(0);
    expect(rep.iha.active).toBe(true);
    rep.iha.active = false; // behind IHA's back: no syncChange
    expect(() => h.runTo(10 * SEC)).toThrow(/sync state .* changed without a recorded change/);
  });

  it('F-6: a KKCM error that drops every replica puts every session on the pending list at once (dropRep names each)', () => {
    // The clean-up drops the sockets' replication state (NsrState.dropRep); each drop names
    // its session, so the chassis hears which sessions lost their replica, not only that
    // KKCM is down.
    const h = new Harness(
      nsrConfig({
        durationNs: 2 * SEC,
        peers: [peer('pa', { sessions: 2 })],
        faults: [fault(1 * SEC, { kind: 'kkcm-io-error', target: 'master' })],
      }),
      { checkers: false },
    );
    const chassis = h.world.chassis as unknown as {
      sync: { synced: boolean; pending: readonly string[] };
    };
    h.runTo(1 * SEC);
    expect(chassis.sync).toEqual({ synced: true, pending: [] });
    h.runUntil(() => !chassis.sync.synced, 1 * SEC + 50 * MS);
    expect(chassis.sync).toEqual({ synced: false, pending: ['pa/0', 'pa/1'] });
  });

  it("F-6: the pending list keeps the candidates' order whatever order their sockets fall back in", () => {
    // The incremental list (issue 18) puts a socket back in its place, not at the end: the
    // chassis gets the list a walk of every candidate gives.
    const h = new Harness(nsrConfig({ durationNs: 2 * SEC, peers: [peer('pa', { sessions: 3 })] }));
    h.runTo(1 * SEC);
    const chassis = h.world.chassis as unknown as { sync: { pending: readonly string[] } };
    expect(chassis.sync.pending).toEqual([]);
    h.at(h.now + 1, () => {
      // A legitimate writer: the flag and syncChange together, the later candidate first.
      for (const s of ['pa/2', 'pa/0']) {
        h.rep(0, s).iha.active = false;
        h.nsr(0).syncChange(s);
      }
    });
    h.runUntil(() => chassis.sync.pending.length > 0, 1 * SEC + 10 * MS);
    expect(chassis.sync.pending).toEqual(['pa/0', 'pa/2']);
  });
});

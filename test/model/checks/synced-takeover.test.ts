// Proves the synced-takeover checker (SPEC F-6, F-4, G-1) passes takeovers and switchovers while the backup is synchronized (the chassis's last sync-state word, synchronized until told otherwise) and crashes that leave no choice only when traced as unsynced, and reports a master crash taken over by an unsynchronized backup (naming the sessions it lacked, or every session) and a manual switchover accepted while the backup was still re-synchronizing, from the chassis's records only.
import { describe, expect, it } from 'vitest';
import { SYNCED_TAKEOVER, SyncedTakeoverCheck } from '../../../model/checks/synced-takeover.ts';
import { ACTOR, K } from '../../../model/vocab.ts';
import type { TraceRecord } from '../../../sim/index.ts';
import { collector, Records, type Reported } from './fixture.ts';

/** chassis.sync-state: the master's word on the backup (pending: how many sessions it lacks). */
const syncState = (r: Records, synced: unknown, actor: string = ACTOR.chassis) =>
  r.rec(actor, K.chassis.syncState, { re: 0, synced, pending: synced === true ? 0 : 2 });
/** chassis.master: the chassis made `master` the master (sync: a manual switchover). */
const master = (r: Records, to: number, sync: boolean) =>
  r.rec(ACTOR.chassis, K.chassis.master, { master: to, sync });
/** chassis.unsynced-takeover: the master crashed and the re-synchronizing backup took over. */
const unsynced = (r: Records, pending?: readonly string[], actor: string = ACTOR.chassis) =>
  r.rec(actor, K.chassis.unsyncedTakeover, {
    from: 0,
    to: 1,
    ...(pending === undefined ? {} : { pending }),
  });

/** Feeds the records `build` makes to a fresh checker; returns what it reported. */
function feed(build: (r: Records) => TraceRecord[]): { got: Reported[]; recs: TraceRecord[] } {
  const c = new SyncedTakeoverCheck();
  const { report, got } = collector();
  const recs = build(new Records());
  for (const rec of recs) c.onRecord(rec, report);
  return { got, recs };
}

describe('synced-takeover', () => {
  it('passes: switchovers and a crash takeover while the backup is synchronized (the default before any sync-state)', () => {
    const c = new SyncedTakeoverCheck();
    expect(c.id).toBe(SYNCED_TAKEOVER);
    const { got } = feed((r) => [
      // No sync-state yet: the backup counts as synchronized.
      master(r, 1, true),
      syncState(r, false),
      syncState(r, true),
      master(r, 0, true),
      // A crash takeover (sync false) is judged by chassis.unsynced-takeover, not here.
      master(r, 1, false),
    ]);
    expect(got).toEqual([]);
  });

  it('passes: a takeover by crash (sync false) while the backup re-synchronizes is not a switchover', () => {
    const { got } = feed((r) => [syncState(r, false), master(r, 1, false)]);
    expect(got).toEqual([]);
  });

  it('passes: records of other actors neither change the sync state nor count as a takeover', () => {
    const { got } = feed((r) => [
      // An RE's record of the same kinds is not the chassis's word.
      syncState(r, false, ACTOR.re(0)),
      master(r, 1, true),
      unsynced(r, ['pa/0'], ACTOR.re(1)),
      r.rec(ACTOR.pfe, K.chassis.unsyncedTakeover, { to: 1 }),
    ]);
    expect(got).toEqual([]);
  });

  it('fails: the master crashed and the unsynchronized backup took over without replicas of two sessions', () => {
    const { got, recs } = feed((r) => [unsynced(r, ['pa/0', 'pb/1'])]);
    const rec = recs[0] as TraceRecord;
    expect(got).toEqual([
      {
        recordId: rec.id,
        timeNs: rec.t,
        message:
          'the master crashed while the backup was still re-synchronizing (F-6): re1 took over without a replica of pa/0, pb/1',
        evidence: { direction: 'both', to: 1, pending: ['pa/0', 'pb/1'], sync: false },
      },
    ]);
  });

  it('fails: an unsynced takeover with no pending list (or an empty one) lacks every session', () => {
    for (const pending of [undefined, []]) {
      const { got } = feed((r) => [unsynced(r, pending)]);
      expect(got).toHaveLength(1);
      expect(got[0]?.message).toBe(
        'the master crashed while the backup was still re-synchronizing (F-6): re1 took over without a replica of every session',
      );
      expect(got[0]?.evidence).toEqual({ direction: 'both', to: 1, pending: [], sync: false });
    }
  });

  it('fails: an unsynced takeover is reported even when the last sync-state said synchronized', () => {
    const { got } = feed((r) => [syncState(r, true), unsynced(r, ['pa/0'])]);
    expect(got.map((v) => v.evidence?.pending)).toEqual([['pa/0']]);
  });

  it('fails: a manual switchover accepted while the backup re-synchronizes (the chassis-ignores-sync-state mutant)', () => {
    const { got, recs } = feed((r) => [syncState(r, false), master(r, 1, true)]);
    const rec = recs[1] as TraceRecord;
    expect(got).toEqual([
      {
        recordId: rec.id,
        timeNs: rec.t,
        message:
          'a manual switchover was accepted while the backup was still re-synchronizing (F-6): the new master holds no replica of the sessions still being set up',
        evidence: { direction: 'both', to: 1, pending: [], sync: true },
      },
    ]);
  });

  it('fails: only synced: true is synchronized (a missing or non-boolean word is not)', () => {
    for (const word of [undefined, 'true', 1]) {
      const { got } = feed((r) => [syncState(r, word), master(r, 0, true)]);
      expect(got).toHaveLength(1);
      expect(got[0]?.evidence).toMatchObject({ to: 0, sync: true });
    }
  });

  it('fails: every switchover is judged by the latest word (unsynced, synced, unsynced again)', () => {
    const { got, recs } = feed((r) => [
      syncState(r, false),
      master(r, 1, true),
      syncState(r, true),
      master(r, 0, true),
      syncState(r, false),
      master(r, 1, true),
    ]);
    expect(got.map((v) => v.recordId)).toEqual([recs[1]?.id, recs[5]?.id]);
  });
});

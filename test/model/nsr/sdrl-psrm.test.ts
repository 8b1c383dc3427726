// Proves the send side and protocol-state replication: no byte reaches the wire before the secondary confirmed it (S-1), replicated sends carry snd_nxt/snd_up (S-2), the backup application reads both directions and its reads send window updates (S-3, S-4), the secondary's send buffer is released as the peer ACKs (S-5), the PSRM initial replicate carries the M-1 field list and times out on a silent secondary, every window-update option sends updates (M-3), and failover resets the new primary's timers and congestion state (M-4).
import { describe, expect, it } from 'vitest';
import { PSRM_INIT_FIELDS, type NsrMessage } from '../../../model/nsr/wire.ts';
import { TCP_MSS_DEFAULT } from '../../../model/tcp/defs.ts';
import type { TcpConnection } from '../../../model/tcp/tcp.ts';
import { MS, SEC, type TraceRecord } from '../../../sim/index.ts';
import { Harness, fault, nsrConfig, peer, silence, traffic } from './fixture.ts';
import { ACTOR, K, reOf } from '../../../model/vocab.ts';

/** A wire with some delay, so that sent data stays unacknowledged for a while. */
const SLOW_WIRE = { latencyNs: 10 * MS, bandwidthBps: 50_000_000 };

/**
 * S-1 on the trace: every data segment the PFE puts on the wire from the router for
 * `session` ends at or before the stream offset the secondary had confirmed (sdrl.ack
 * received by the primary RE) by then. Returns the violations found and the segments checked.
 */
function s1Check(
  h: Harness,
  session: string,
  dport: number,
): { bad: TraceRecord[]; checked: number } {
  const conn = h.world.res[0].session(session)?.conn as TcpConnection;
  const iss = conn.iss;
  let confirmed = h
    .of(K.psrm.applied, ACTOR.nsr(1, 'psrm'))
    .find((r) => r.fields.session === session)?.fields.app_out as number;
  const bad: TraceRecord[] = [];
  let checked = 0;
  for (const r of h.recs) {
    if (
      r.kind === K.kkcm.rx &&
      r.actor === ACTOR.nsr(0, 'kkcm') &&
      r.fields.t === 'sdrl.ack' &&
      r.fields.reason === 'ok'
    )
      confirmed = Math.max(confirmed, r.fields.offset as number);
    if (
      r.kind === K.pfe.tx &&
      r.fields.re === 0 &&
      r.fields.sport === 179 &&
      r.fields.dport === dport &&
      (r.fields.len as number) > 0
    ) {
      const end = (((r.fields.seq as number) - iss - 1) >>> 0) + (r.fields.len as number);
      checked++;
      if (end > confirmed) bad.push(r);
    }
  }
  return { bad, checked };
}

describe('S-1: replicate before transmit', () => {
  it('S-1: no byte reaches the wire (pfe.tx) before the secondary confirmed holding it (sdrl.ack)', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 2 * SEC,
        peers: [peer('pa', { sessions: 2, fromRouter: traffic(150, 64, 4000), link: SLOW_WIRE })],
      }),
    );
    expect(h.finish()).toEqual([]);
    for (const [s, port] of [
      ['pa/0', 20000],
      ['pa/1', 20001],
    ] as const) {
      const { bad, checked } = s1Check(h, s, port);
      expect(checked, s).toBeGreaterThan(100);
      expect(bad, s).toEqual([]);
    }
  });

  it('S-1: the same check catches the sdrl-transmit-before-replicate mutant', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1 * SEC,
        mutant: 'sdrl-transmit-before-replicate',
        peers: [peer('pa', { fromRouter: traffic(150, 64, 4000), link: SLOW_WIRE })],
      }),
      { checkers: false },
    );
    h.finish();
    expect(s1Check(h, 'pa/0', 20000).bad.length).toBeGreaterThan(0);
  });
});

describe('S-2: replicated sends carry snd_nxt and snd_up', () => {
  it("S-2: every sdrl.data carries the primary's snd_nxt and snd_up as they were when it was sent; urgent data moves the secondary's snd_up", () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1500 * MS,
        peers: [peer('pa', { fromRouter: traffic(100), link: SLOW_WIRE })],
      }),
    );
    h.runTo(1);
    const sent = h.capture(0);
    const at: Array<{ msg: NsrMessage; snd_nxt: number; snd_up: number }> = [];
    h.world.sim.trace.addListener((r) => {
      if (r.kind !== K.kkcm.tx || r.actor !== ACTOR.nsr(0, 'sdrl')) return;
      const c = h.world.res[0].session('pa/0')?.conn as TcpConnection;
      at.push({ msg: sent.at(-1)?.msg as NsrMessage, snd_nxt: c.snd_nxt, snd_up: c.snd_up });
    });
    // The master application writes its next record as urgent data (BSD: snd_up past its end).
    let urgentUp = 0;
    h.at(700 * MS, () => {
      const app = h.world.res[0].session('pa/0');
      const conn = app?.conn as TcpConnection;
      if (app === undefined) throw new Error('no master app');
      if (app.writer.backlog === 0) app.writer.produce();
      app.writer.flush((b) => conn.write(b, { urgent: true }));
      urgentUp = conn.snd_up;
    });
    // The secondary's snd_up each time it has applied a data message (its sdrl.ack goes out).
    const secUp: number[] = [];
    h.world.sim.trace.addListener((r) => {
      if (r.kind === K.kkcm.tx && r.actor === ACTOR.nsr(1, 'sdrl'))
        secUp.push(h.nsr(1).bySession.get('pa/0')?.conn.snd_up as number);
    });
    expect(h.finish()).toEqual([]);
    expect(at.length).toBeGreaterThan(50);
    for (const { msg, snd_nxt, snd_up } of at) {
      expect(msg.t).toBe('sdrl.data');
      if (msg.t !== 'sdrl.data') continue;
      expect([msg.snd_nxt, msg.snd_up]).toEqual([snd_nxt, snd_up]);
    }
    const urgent = at.filter(({ msg }) => msg.t === 'sdrl.data' && msg.urgent);
    expect(urgent.length).toBeGreaterThan(0);
    expect(urgent.map(({ msg }) => (msg.t === 'sdrl.data' ? msg.snd_up : 0))).toContain(urgentUp);
    // The secondary applied it.
    expect(secUp).toContain(urgentUp);
    const sec = h.nsr(1).bySession.get('pa/0')?.conn as TcpConnection;
    const prim = h.nsr(0).bySession.get('pa/0')?.conn as TcpConnection;
    expect(sec.snd_up).toBe(prim.snd_up);
  });
});

describe('S-3, S-4, S-5: the secondary socket and the backup application', () => {
  it('S-3: the snooping backup application reads what the peer sent and what the master application sent, without errors, and keeps up with both', () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 2 * SEC,
        peers: [peer('pa', { sessions: 2, toRouter: traffic(80), fromRouter: traffic(80) })],
      }),
    );
    h.runTo(1500 * MS);
    silence(h.cfg);
    expect(h.finish()).toEqual([]);
    for (const s of ['pa/0', 'pa/1']) {
      const master = h.world.res[0].session(s);
      const backup = h.world.res[1].session(s);
      expect(backup?.mode).toBe('snoop');
      expect(backup?.verifier.errors).toEqual([]);
      expect(backup?.outTracker?.errors).toEqual([]);
      expect(backup?.verifier.bytes).toBeGreaterThan(10_000);
      expect(backup?.verifier.bytes).toBe(master?.verifier.bytes);
      expect(backup?.outTracker?.bytes).toBe(master?.writer.offset);
      // The backup never writes.
      expect(backup?.writer.offset).toBe(0);
    }
  });

  it("S-4: each read of the backup application's receive snoop buffer makes SDRL ask PSRM for a window update, sent to the primary", () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 1500 * MS,
        peers: [
          peer('pa', {
            toRouter: traffic(100),
            routerRead: { chunkBytes: 700, intervalNs: 15 * MS },
          }),
        ],
      }),
    );
    // Count the backup application's reads that returned data, at the socket.
    h.runUntil(() => h.of(K.psrm.applied).length > 0, 100 * MS);
    const conn = h.nsr(1).bySession.get('pa/0')?.conn as TcpConnection;
    const read = conn.read.bind(conn);
    let reads = 0;
    conn.read = (max: number) => {
      const out = read(max);
      if (out.length > 0) reads++;
      return out;
    };
    expect(h.finish()).toEqual([]);
    expect(reads).toBeGreaterThan(50);
    expect(h.sends('psrm.window-update', ACTOR.re(1), ACTOR.nsr(1, 'psrm'))).toHaveLength(reads);
    expect(h.tx(1, 'psrm.window')).toHaveLength(reads);
    // Each reaches the primary, which recomputes its window from it.
    expect(h.of(K.psrm.window, ACTOR.nsr(0, 'psrm'))).toHaveLength(reads);
  });

  it('S-4: the flow-control-never-sent mutant sends none', () => {
    const h = new Harness(nsrConfig({ durationNs: 800 * MS, mutant: 'flow-control-never-sent' }), {
      checkers: false,
    });
    h.finish();
    expect(h.sends('psrm.window-update', ACTOR.re(1)).length).toBeGreaterThan(5);
    expect(h.tx(1, 'psrm.window')).toEqual([]);
  });

  it("S-5: the secondary's so_snd holds exactly the bytes from its snd_una on, so it shrinks as the peer's ACKs (replicated by PRL) arrive", () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 2 * SEC,
        peers: [peer('pa', { fromRouter: traffic(150, 64, 4000), link: SLOW_WIRE })],
      }),
    );
    let shrinks = 0;
    let maxHeld = 0;
    let last = 0;
    const mismatches: string[] = [];
    h.world.sim.trace.addListener((r) => {
      const rep = h.world.res[1].nsr?.bySession.get('pa/0');
      if (rep === undefined || !rep.iha.active || reOf(r.actor) === 0) return;
      const c = rep.conn;
      const unaOffset = (c.snd_una - c.iss - 1) >>> 0;
      if (c.so_snd.cc !== rep.sdrl.sndAppended - unaOffset)
        mismatches.push(
          `${r.kind}@${r.t}: cc ${c.so_snd.cc} appended ${rep.sdrl.sndAppended} una ${unaOffset}`,
        );
      if (c.so_snd.cc < last) shrinks++;
      last = c.so_snd.cc;
      maxHeld = Math.max(maxHeld, c.so_snd.cc);
    });
    h.runTo(1500 * MS);
    silence(h.cfg);
    expect(h.finish()).toEqual([]);
    expect(mismatches).toEqual([]);
    expect(maxHeld).toBeGreaterThan(3000);
    expect(shrinks).toBeGreaterThan(50);
    // At the end the peer has acknowledged everything: both send buffers are empty.
    const sec = h.nsr(1).bySession.get('pa/0')?.conn as TcpConnection;
    const prim = h.nsr(0).bySession.get('pa/0')?.conn as TcpConnection;
    expect([prim.so_snd.cc, sec.so_snd.cc]).toEqual([0, 0]);
    expect(sec.snd_una).toBe(prim.snd_una);
  });
});

describe('M-1: PSRM initialization', () => {
  it("M-1: the replicate message carries exactly the M-1 field list from the primary's tcpcb, the secondary writes them and ACKs OK with its space", () => {
    const h = new Harness(nsrConfig({ durationNs: 300 * MS }));
    h.runTo(1);
    const sent = h.capture(0);
    expect(h.finish()).toEqual([]);
    const rep = sent.map((s) => s.msg).find((m) => m.t === 'psrm.replicate');
    if (rep?.t !== 'psrm.replicate') throw new Error('no psrm.replicate');
    expect(Object.keys(rep.fields)).toEqual([...PSRM_INIT_FIELDS]);
    const p = h.nsr(0).bySession.get('pa/0')?.conn as TcpConnection;
    const s = h.nsr(1).bySession.get('pa/0')?.conn as TcpConnection;
    const tcpcb = [
      'iss',
      'irs',
      't_maxopd',
      't_maxsend',
      't_mssoffer',
      't_maxseg',
      'snd_scale',
      'rcv_scale',
      'request_r_scale',
      'requested_s_scale',
    ] as const;
    for (const f of tcpcb) {
      expect(rep.fields[f], f).toBe(p[f]);
      expect(s[f], `secondary ${f}`).toBe(p[f]);
    }
    // Fields the model does not carry (no MD5, one routing table, no T/TCP) are zero.
    for (const f of ['md5_key', 'rtbl_iif', 'record_iif', 'cc_send', 'cc_recv'] as const)
      expect(rep.fields[f], f).toBe(0);
    const ack = h.tx(1, 'psrm.ack');
    expect(ack).toHaveLength(1);
    expect(ack[0]?.fields.reason).toBe('ok');
    expect(ack[0]?.fields.space).toBe(s.so_rcv.hiwat);
    expect(ack[0]?.fields.ch).toBe('send');
    // The primary reports success to IHA.
    expect(h.sends('iha.psrm-done', ACTOR.nsr(0, 'psrm'), ACTOR.nsr(0, 'iha'))).toHaveLength(1);
  });

  it('M-1: a silent secondary (inter-RE link held right after the replicate) times PSRM out: IHA reports the failure and the socket carries on unreplicated, then is set up again', () => {
    const timeout = 300 * MS;
    const h = new Harness(nsrConfig({ durationNs: 1500 * MS, timers: { psrmTimeoutNs: timeout } }));
    h.runUntil(() => h.of(K.psrm.replicate, ACTOR.nsr(0, 'psrm')).length > 0, 100 * MS);
    const sentAt = h.now;
    expect(h.of(K.psrm.replicate, ACTOR.nsr(0, 'psrm'))).toHaveLength(1);
    h.world.sim.inject(
      h.world.ids.get('chassis') as number,
      { type: 'fault', action: { kind: 'inter-re-hold', durationNs: 2 * timeout } },
      sentAt,
    );
    expect(h.finish()).toEqual([]);
    const to = h.of(K.psrm.timeout, ACTOR.nsr(0, 'psrm'));
    expect(to).toHaveLength(1);
    expect(to[0]?.t).toBe(sentAt + timeout);
    const done = h.sends('iha.psrm-done', ACTOR.nsr(0, 'psrm'), ACTOR.nsr(0, 'iha'));
    expect(done[0]?.t).toBe(sentAt + timeout);
    const clean = h.of(K.iha.cleanupSocket, ACTOR.nsr(0, 'iha'));
    expect(clean[0]?.fields.reason).toBe('PSRM init failed: timeout');
    expect(h.of(K.iha.active, ACTOR.nsr(0, 'iha')).filter((r) => r.t < sentAt + timeout)).toEqual(
      [],
    );
    // The late ACK, when the link is released, is ignored; set-up runs again and succeeds.
    expect(h.of(K.psrm.ackUnexpected, ACTOR.nsr(0, 'psrm')).length).toBeGreaterThan(0);
    expect(
      h.of(K.iha.active, ACTOR.nsr(0, 'iha')).filter((r) => r.t > sentAt + 2 * timeout),
    ).toHaveLength(1);
  });
});

describe('M-3: window-update options', () => {
  const run = (
    wu: 'immediate' | 'delack' | 'socket-timer' | 'global-timer',
  ): { h: Harness; requests: number; win: TraceRecord[] } => {
    const h = new Harness(
      nsrConfig({
        durationNs: 2 * SEC,
        opts: { windowUpdate: wu },
        peers: [peer('pa', { sessions: 2, toRouter: traffic(60) })],
      }),
    );
    expect(h.finish(), wu).toEqual([]);
    return {
      h,
      requests: h.sends('psrm.window-update', ACTOR.re(1)).length,
      win: h.tx(1, 'psrm.window'),
    };
  };
  const perSocketGaps = (win: TraceRecord[]): number[] => {
    const by = new Map<unknown, number[]>();
    for (const w of win) by.set(w.fields.handle, [...(by.get(w.fields.handle) ?? []), w.t]);
    return [...by.values()].flatMap((ts) => ts.slice(1).map((t, i) => t - (ts[i] as number)));
  };

  it('M-3: immediate (default) sends one update per backup-application read; delack, socket-timer and global-timer send fewer, spaced by their timers; all reach the primary', () => {
    const imm = run('immediate');
    const del = run('delack');
    const sock = run('socket-timer');
    const glob = run('global-timer');
    const timers = imm.h.nsr(0).timers;
    expect(imm.requests).toBeGreaterThan(50);
    expect(imm.win.length).toBe(imm.requests);
    for (const r of [del, sock, glob]) {
      expect(r.win.length).toBeGreaterThan(5);
      expect(r.win.length).toBeLessThan(r.requests);
      expect(r.h.of(K.psrm.window, ACTOR.nsr(0, 'psrm'))).toHaveLength(r.win.length);
    }
    // delack: at most one update per socket per windowDelayNs; socket-timer: per windowTimerNs.
    for (const g of perSocketGaps(del.win)) expect(g).toBeGreaterThanOrEqual(timers.windowDelayNs);
    for (const g of perSocketGaps(sock.win)) expect(g).toBeGreaterThanOrEqual(timers.windowTimerNs);
    // The 50 ms socket timer lets more through than the 100 ms delayed update.
    expect(imm.win.length).toBeGreaterThan(sock.win.length);
    expect(sock.win.length).toBeGreaterThan(del.win.length);
    // global-timer: one sweep covers every dirty socket at the same instant.
    const sweeps = [...new Set(glob.win.map((r) => r.t))];
    expect(sweeps.length).toBeLessThan(glob.win.length);
    for (let i = 1; i < sweeps.length; i++)
      expect((sweeps[i] as number) - (sweeps[i - 1] as number)).toBeGreaterThanOrEqual(
        timers.windowTimerNs,
      );
  });
});

describe('M-4: failover handler', () => {
  interface Snap {
    cwnd: number;
    srtt: number;
    rttvar: number;
    rxtshift: number;
    rxtcur: number;
    dupacks: number;
    una: number;
    nxt: number;
    max: number;
    timers: Record<string, boolean>;
    tsAge: number;
    now: number;
    state: string;
    force: number;
    soft: number;
    maxseg: number;
    rtoInit: number;
  }
  const snapAtFailover = (mutant?: 'psrm-skip-failover-timers'): Snap[] => {
    const h = new Harness(
      nsrConfig({
        durationNs: 2 * SEC,
        ...(mutant === undefined ? {} : { mutant }),
        peers: [
          peer('pa', {
            sessions: 2,
            fromRouter: traffic(200, 64, 4000),
            link: { latencyNs: 20 * MS, bandwidthBps: 100_000_000 },
          }),
        ],
        faults: [fault(1 * SEC, { kind: 're-crash', target: 'master' })],
      }),
      { checkers: mutant === undefined },
    );
    const snaps: Snap[] = [];
    h.world.sim.trace.addListener((r) => {
      if (r.kind !== K.psrm.failover) return;
      const c = h.world.res[1].session(String(r.fields.session))?.conn as TcpConnection;
      snaps.push({
        cwnd: c.snd_cwnd,
        srtt: c.t_srtt,
        rttvar: c.t_rttvar,
        rxtshift: c.t_rxtshift,
        rxtcur: c.t_rxtcur,
        dupacks: c.t_dupacks,
        una: c.snd_una,
        nxt: c.snd_nxt,
        max: c.snd_max,
        timers: Object.fromEntries(
          (['rexmt', 'persist', 'keep', '2msl', 'delack'] as const).map((k) => [
            k,
            c.isTimerPending(k),
          ]),
        ),
        tsAge: c.ts_recent_age,
        now: r.t,
        state: c.t_state,
        force: c.t_force,
        soft: c.t_softerror,
        maxseg: c.t_maxseg,
        rtoInit: c.cfg.rtoInitNs,
      });
    });
    const v = h.finish();
    if (mutant === undefined) expect(v).toEqual([]);
    return snaps;
  };

  it("M-4: the new primary's timers and congestion/RTT state are reset (cwnd, srtt = rttvar = 0, rxtshift = 0, rxtcur = initial RTO), ts_recent_age = now, ESTABLISHED, snd_nxt back to snd_una and rexmt armed for the unacknowledged data", () => {
    const snaps = snapAtFailover();
    expect(snaps).toHaveLength(2);
    for (const s of snaps) {
      expect(s.cwnd).toBe(Math.max(s.maxseg, TCP_MSS_DEFAULT));
      expect([s.srtt, s.rttvar, s.rxtshift, s.dupacks, s.force, s.soft]).toEqual([
        0, 0, 0, 0, 0, 0,
      ]);
      expect(s.rxtcur).toBe(s.rtoInit);
      expect(s.tsAge).toBe(s.now);
      expect(s.state).toBe('ESTABLISHED');
      expect(s.nxt).toBe(s.una);
      // Data was in flight at the crash (20 ms wire): the retransmission timer is armed, nothing else.
      expect(s.max).not.toBe(s.una);
      expect(s.timers).toEqual({
        rexmt: true,
        persist: false,
        keep: false,
        '2msl': false,
        delack: false,
      });
    }
  });

  it('M-4: the psrm-skip-failover-timers mutant leaves rexmt unarmed with data unacknowledged (what the reset above prevents)', () => {
    const snaps = snapAtFailover('psrm-skip-failover-timers');
    expect(snaps.some((s) => s.max !== s.una && !s.timers.rexmt)).toBe(true);
  });
});

// Proves the BGP speaker's FSM and timers (RFC 4271 §8, §10): both ends reach Established through OpenSent and OpenConfirm and exchange their tables with End-of-RIB; the hold time is the smaller of both and keepalives go every third of it with 0.75–1.0 jitter (none at hold 0); hold-timer expiry, malformed and unexpected messages and a wrong peer AS end the session with the right NOTIFICATION, after which the session comes back; ConnectRetry re-opens; churn keeps the peer's Adj-RIB-In equal to what was sent; a full so_snd changes nothing on the wire.
import { describe, expect, it } from 'vitest';
import {
  BGP_KIND,
  BgpFramer,
  BgpSpeaker,
  KEEPALIVE,
  OutboundPlan,
  decodeBody,
  encodeMessage,
  prefixText,
  type BgpMessage,
  type DecodeCtx,
} from '../../../../model/app/bgp/index.ts';
import { MIN, MS, SEC } from '../../../../sim/index.ts';
import { Loop, Pair, TestIo, concat, peerCfg, routerCfg } from './harness.ts';

/** Every message in what `io` wrote, decoded. */
function sent(io: TestIo, ctx: DecodeCtx = { as4: true }): Array<{ m: BgpMessage; len: number }> {
  const f = new BgpFramer();
  f.push(io.allWritten());
  const out = [];
  for (let fr = f.next(); fr !== undefined; fr = f.next()) {
    if (!fr.ok) throw new Error(fr.error.reason);
    const d = decodeBody(fr.kind, fr.bytes, ctx);
    if (!d.ok) throw new Error(d.error.reason);
    out.push({ m: d.value, len: fr.bytes.length });
  }
  return out;
}

const states = (io: TestIo) => io.of(BGP_KIND.state).map((r) => r.fields.to);

/** The peer's routes as the router's plan announces them after `n` UPDATEs. */
function expectedRib(p: Pair, n: number): string[] {
  const s = p.a.negotiated;
  if (s === undefined) throw new Error('no session');
  const rib = new Map<string, unknown>();
  for (let i = 0; i < n; i++) {
    const u = s.plan.update(i);
    for (const w of u.withdrawn) rib.delete(prefixText(w));
    for (const x of u.nlri) rib.set(prefixText(x), u.attrs);
  }
  return [...rib.keys()].sort();
}

describe('bgp speaker: establishment', () => {
  it('goes Idle → Connect/Active → OpenSent → OpenConfirm → Established and exchanges the tables', () => {
    const p = new Pair(routerCfg(), peerCfg());
    p.start();
    p.loop.runFor(1 * SEC);
    expect(states(p.ioA)).toEqual(['Connect', 'OpenSent', 'OpenConfirm', 'Established']);
    expect(states(p.ioB)).toEqual(['Active', 'OpenSent', 'OpenConfirm', 'Established']);
    expect(p.b.adjRibIn()).toHaveLength(50);
    expect(p.a.adjRibIn()).toHaveLength(30);
    expect(p.b.adjRibIn()[0]).toEqual({
      prefix: '198.18.0.0/24',
      stale: false,
      attrs: { origin: 0, asPath: [{ type: 2, asns: [65000] }], nextHop: 0x0a000001 },
    });
    const kinds = sent(p.ioA).map((x) => x.m.kind);
    expect(kinds).toEqual(['open', 'keepalive', 'update', 'update']);
    expect(p.a.counters.sent).toEqual({ open: 1, update: 2, keepalive: 1, notification: 0 });
    expect(p.b.counters.received).toEqual({ open: 1, update: 2, keepalive: 1, notification: 0 });
    expect(p.a.counters.eorSentNs).toHaveLength(1);
    expect(p.b.counters.eorReceivedNs).toHaveLength(1);
    expect(p.a.counters.established).toBe(1);
    expect(p.ioA.written.length).toBeGreaterThan(0);
  });

  it('sends the capabilities in OPEN: multiprotocol IPv4 unicast, graceful restart, 4-octet AS', () => {
    const p = new Pair(routerCfg({ localAs: 4_200_000_000 }), peerCfg({ peerAs: 4_200_000_000 }));
    p.start();
    p.loop.runFor(1 * SEC);
    const open = sent(p.ioA)[0]?.m;
    expect(open?.kind === 'open' && open.open).toEqual({
      version: 4,
      myAs: 23456,
      holdTimeSec: 90,
      bgpId: 0x0a000001,
      caps: [
        { kind: 'mp', afi: 1, safi: 1 },
        {
          kind: 'gr',
          restarting: false,
          notification: true,
          restartTimeSec: 120,
          families: [{ afi: 1, safi: 1, forwarding: true }],
        },
        { kind: 'as4', as: 4_200_000_000 },
      ],
    });
    expect(p.b.state).toBe('Established');
    expect(p.b.adjRibIn()[0]?.attrs.asPath).toEqual([{ type: 2, asns: [4_200_000_000] }]);
  });

  it('speaks 2-octet AS_PATHs when one side lacks the 4-octet AS capability (RFC 6793)', () => {
    const p = new Pair(routerCfg({ as4: false }), peerCfg());
    p.start();
    p.loop.runFor(1 * SEC);
    expect(p.a.negotiated?.as4).toBe(false);
    expect(p.b.negotiated?.as4).toBe(false);
    expect(p.b.adjRibIn()).toHaveLength(50);
    expect(p.b.adjRibIn()[0]?.attrs.asPath).toEqual([{ type: 2, asns: [65000] }]);
  });
});

describe('bgp speaker: hold time and keepalives', () => {
  it('negotiates the smaller hold time and keeps alive every third of it, jittered 0.75–1.0', () => {
    const p = new Pair(routerCfg(), peerCfg({ holdTimeSec: 30 }));
    p.start();
    p.loop.runFor(10 * MIN);
    expect(p.a.negotiated?.holdTimeSec).toBe(30);
    expect(p.a.negotiated?.keepaliveNs).toBe(10 * SEC);
    const times = p.ioA
      .of(BGP_KIND.tx)
      .filter((r) => r.fields.msg === 'keepalive')
      .map((r) => r.at)
      .slice(1);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(gaps.length).toBeGreaterThan(55);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(7.5 * SEC);
      expect(g).toBeLessThanOrEqual(10 * SEC);
    }
    expect(new Set(gaps).size).toBeGreaterThan(10);
    expect(p.a.counters.sessionResets + p.b.counters.sessionResets).toBe(0);
    expect(p.a.counters.holdExpiries + p.b.counters.holdExpiries).toBe(0);
  });

  it('defaults to 90 s hold and a 30 s keepalive (Junos 90/30)', () => {
    const p = new Pair(routerCfg(), peerCfg());
    p.start();
    p.loop.runFor(1 * SEC);
    expect(p.a.negotiated?.holdTimeSec).toBe(90);
    expect(p.a.negotiated?.keepaliveNs).toBe(30 * SEC);
  });

  it('with hold time 0 sends no KEEPALIVE after the OPEN exchange and never expires', () => {
    const p = new Pair(routerCfg({ holdTimeSec: 0 }), peerCfg());
    p.start();
    p.loop.runFor(1 * MIN);
    p.partitioned = true;
    p.loop.runFor(30 * MIN);
    expect(p.a.negotiated?.keepaliveNs).toBe(0);
    expect(p.a.counters.sent.keepalive).toBe(1);
    expect(p.b.counters.sent.keepalive).toBe(1);
    expect(p.a.state).toBe('Established');
    expect(p.b.state).toBe('Established');
  });

  it('uses a configured keepalive when it is shorter than a third of the hold time', () => {
    const p = new Pair(routerCfg({ keepaliveSec: 5 }), peerCfg());
    p.start();
    p.loop.runFor(1 * SEC);
    expect(p.a.negotiated?.keepaliveNs).toBe(5 * SEC);
    expect(p.b.negotiated?.keepaliveNs).toBe(30 * SEC);
  });

  it('ends the session with Hold Timer Expired when the peer falls silent, then re-establishes', () => {
    const p = new Pair(routerCfg(), peerCfg());
    p.start();
    p.loop.runFor(1 * SEC);
    p.partitioned = true;
    p.loop.runFor(91 * SEC);
    for (const sp of [p.a, p.b]) {
      expect(sp.counters.holdExpiries).toBe(1);
      expect(sp.counters.sessionResets).toBe(1);
      expect(sp.counters.notificationsSent.map((n) => [n.code, n.subcode])).toEqual([[4, 0]]);
    }
    expect(p.ioA.of(BGP_KIND.holdExpired)).toHaveLength(1);
    p.partitioned = false;
    p.reset();
    p.loop.runFor(5 * SEC);
    expect(p.a.state).toBe('Established');
    expect(p.b.state).toBe('Established');
    expect(p.b.adjRibIn()).toHaveLength(50);
  });
});

describe('bgp speaker: errors end the session with a NOTIFICATION', () => {
  it('answers a malformed UPDATE with its NOTIFICATION, both sides reset, and the session returns', () => {
    const p = new Pair(routerCfg(), peerCfg({ gr: undefined }));
    p.start();
    p.loop.runFor(1 * SEC);
    const mc = p.a.sendMalformed('invalid-origin');
    expect(mc).toBeDefined();
    p.loop.runFor(100 * MS);
    const n = p.b.counters.notificationsSent[0];
    expect(n && [n.code, n.subcode, [...n.data]]).toEqual([3, 6, [...(mc?.expect.data ?? [])]]);
    expect(p.b.counters.malformedReceived).toBe(1);
    expect(p.a.counters.notificationsReceived.map((x) => [x.code, x.subcode])).toEqual([[3, 6]]);
    expect(p.a.counters.sessionResets).toBe(1);
    expect(p.b.counters.sessionResets).toBe(1);
    expect(p.ioB.closes).toBe(1);
    expect(p.ioA.closes).toBe(1);
    p.loop.runFor(5 * SEC);
    expect(p.a.state).toBe('Established');
    expect(p.b.adjRibIn()).toHaveLength(50);
    expect(p.b.counters.established).toBe(2);
  });

  it('treats an unexpected message as an FSM error with the RFC 6608 subcode', () => {
    const cases: Array<[string, (sp: BgpSpeaker) => void, number]> = [
      ['KEEPALIVE in OpenSent', (sp) => sp.input(KEEPALIVE), 1],
      ['UPDATE in OpenConfirm', (sp) => (sp.input(peerOpen()), sp.input(eor())), 2],
      [
        'OPEN in Established',
        (sp) => (sp.input(peerOpen()), sp.input(KEEPALIVE), sp.input(peerOpen())),
        3,
      ],
    ];
    for (const [, drive, subcode] of cases) {
      const { sp, io } = lone();
      drive(sp);
      expect(sp.counters.notificationsSent.map((n) => [n.code, n.subcode])).toEqual([[5, subcode]]);
      expect(io.closes).toBe(1);
      expect(sp.state).toBe('Idle');
    }
  });

  it('rejects a peer of the wrong AS with Bad Peer AS, and a twin BGP Identifier on iBGP', () => {
    const a = lone();
    a.sp.input(peerOpen(65999));
    expect(a.sp.counters.notificationsSent.map((n) => [n.code, n.subcode])).toEqual([[2, 2]]);
    const cfg = peerCfg({ peerAs: 65001 });
    const b = lone(cfg);
    b.sp.input(encodeMessage({ kind: 'open', open: b.sp.ourOpen() }, true));
    expect(b.sp.counters.notificationsSent.map((n) => [n.code, n.subcode])).toEqual([[2, 3]]);
  });

  it('a header error on the stream ends the session even mid-table, and nothing after it is read', () => {
    const { sp, io } = lone();
    sp.input(peerOpen());
    sp.input(KEEPALIVE);
    const bad = KEEPALIVE.slice();
    bad[18] = 9;
    sp.input(concat([bad, KEEPALIVE, KEEPALIVE]));
    expect(sp.counters.notificationsSent.map((n) => [n.code, n.subcode, [...n.data]])).toEqual([
      [1, 3, [9]],
    ]);
    expect(sp.counters.received.keepalive).toBe(1);
    expect(io.closes).toBe(1);
  });

  it('stop() sends Cease / Hard Reset and does not come back', () => {
    const p = new Pair(routerCfg(), peerCfg());
    p.start();
    p.loop.runFor(1 * SEC);
    p.a.stop();
    p.loop.runFor(5 * MIN);
    expect(p.b.counters.notificationsReceived.map((n) => [n.code, n.subcode, [...n.data]])).toEqual(
      [[6, 9, [6, 2]]],
    );
    expect(p.a.state).toBe('Idle');
    expect(p.b.adjRibIn()).toHaveLength(0);
    expect(p.b.counters.established).toBe(1);
  });
});

describe('bgp speaker: connect retry', () => {
  it('waits in Active after a failed connect and retries after ConnectRetry (jittered)', () => {
    const loop = new Loop();
    const io = new TestIo(loop, 'r');
    const sp = new BgpSpeaker(routerCfg({ connectRetryNs: 20 * SEC }), io);
    io.engine = sp;
    io.onConnect = () => loop.schedule(MS, () => sp.onClosed('refused'));
    sp.start('active');
    loop.runFor(2 * MS);
    expect(sp.state).toBe('Active');
    loop.runFor(14 * SEC);
    expect(io.connects).toBe(1);
    loop.runFor(6 * SEC);
    expect(io.connects).toBe(2);
    loop.runFor(10 * MIN);
    const at = io.of(BGP_KIND.connect).map((r) => r.at);
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(15 * SEC);
      expect(g).toBeLessThanOrEqual(20 * SEC + 2 * MS);
    }
  });

  it('a passive speaker never connects', () => {
    const loop = new Loop();
    const io = new TestIo(loop, 'p');
    const sp = new BgpSpeaker(peerCfg(), io);
    io.engine = sp;
    sp.start('active');
    loop.runFor(10 * MIN);
    expect(io.connects).toBe(0);
    expect(sp.state).toBe('Active');
  });
});

describe('bgp speaker: churn and back-pressure', () => {
  it("keeps the peer's Adj-RIB-In equal to the sequence of UPDATEs the plan defines", () => {
    const table = { prefixCount: 200, firstPrefix: 0x0a640000, prefixLen: 24, churnPerSec: 5 };
    const p = new Pair(routerCfg({ table }), peerCfg());
    p.start();
    p.loop.runFor(2 * MIN);
    const n = p.a.counters.sent.update;
    expect(n).toBeGreaterThan(500);
    expect(p.b.counters.received.update).toBe(n);
    expect(
      p.b
        .adjRibIn()
        .map((e) => e.prefix)
        .sort(),
    ).toEqual(expectedRib(p, n));
    expect(p.b.counters.routesWithdrawn).toBeGreaterThan(20);
    expect(p.b.adjRibIn().some((e) => e.attrs.med !== undefined)).toBe(true);
  });

  it('produces the same octets with a so_snd that takes a few octets at a time', () => {
    const table = { prefixCount: 3000, firstPrefix: 0x0a000000, prefixLen: 24, churnPerSec: 0 };
    const free = new Pair(routerCfg({ table }), peerCfg());
    free.start();
    free.loop.runFor(1 * SEC);
    const tight = new Pair(routerCfg({ table }), peerCfg());
    tight.ioA.room = 0;
    tight.start();
    for (let i = 0; i < 4000; i++) {
      tight.loop.runFor(1 * MS);
      tight.ioA.room = 37;
      tight.a.onWritable();
    }
    expect(tight.ioA.allWritten()).toEqual(free.ioA.allWritten());
    expect(tight.b.adjRibIn()).toHaveLength(3000);
    const plan = tight.a.negotiated?.plan as OutboundPlan;
    expect(plan.initialCount).toBe(3);
  });
});

function lone(cfg = routerCfg()): { sp: BgpSpeaker; io: TestIo; loop: Loop } {
  const loop = new Loop();
  const io = new TestIo(loop, cfg.name);
  const sp = new BgpSpeaker(cfg, io);
  io.engine = sp;
  sp.start('active');
  sp.onConnected();
  return { sp, io, loop };
}

function peerOpen(as = 65001): Uint8Array {
  const sp = new BgpSpeaker(peerCfg({ localAs: as }), new TestIo(new Loop(), 'x'));
  return encodeMessage({ kind: 'open', open: sp.ourOpen() }, true);
}

function eor(): Uint8Array {
  return encodeMessage(
    { kind: 'update', eor: true, update: { withdrawn: [], attrs: undefined, nlri: [] } },
    true,
  );
}

// Proves option negotiation: segments never exceed the smaller MSS offer (less 12 bytes with timestamps), window scaling is used only when both SYNs carry it (SYN windows never scaled), timestamps only when both sides enable them, and TSval carries the per-host tsOffset modulo 2^32.
import { describe, it, expect } from 'vitest';
import { TH_SYN, TH_ACK } from '../../../model/net/segment.ts';
import type { Segment } from '../../../model/net/segment.ts';
import {
  TCP_DEFAULTS,
  TF_RCVD_TSTMP,
  TF_REQ_TSTMP,
  resolveTcpConfig,
} from '../../../model/tcp/tcp.ts';
import type { TcpOptionsConfig } from '../../../model/tcp/tcp.ts';
import {
  MS,
  Net,
  SEC,
  concat,
  establish,
  firstDiff,
  pattern,
  readAll,
  writeAll,
} from './harness.ts';
import type { Side } from './harness.ts';

function synOf(net: Net, side: Side): Segment {
  const r = net.segsFrom(side).find((x) => (x.seg.flags & TH_SYN) !== 0);
  if (r === undefined) throw new Error(`no SYN from ${side}`);
  return r.seg;
}

/** Opens a connection, moves `bytes` each way, closes; returns the net and both ends. */
function exchange(seed: number, tcpA: TcpOptionsConfig, tcpB: TcpOptionsConfig, bytes = 30_000) {
  const net = new Net({ seed, tcpA, tcpB });
  const [client, server] = establish(net);
  const toB = pattern(bytes, 1);
  const toA = pattern(bytes, 2);
  const atB: Uint8Array[] = [];
  const atA: Uint8Array[] = [];
  readAll(server, atB);
  readAll(client, atA);
  writeAll(client, toB);
  writeAll(server, toA);
  net.run(
    net.loop.now + 120 * SEC,
    () => concat(atB).length === bytes && concat(atA).length === bytes,
  );
  expect(firstDiff(concat(atB), toB)).toBe(-1);
  expect(firstDiff(concat(atA), toA)).toBe(-1);
  return { net, client, server };
}

const maxPayload = (net: Net): number =>
  net.segs.reduce((m, r) => Math.max(m, r.seg.payload.length), 0);

describe('MSS', () => {
  it('uses the smaller of the two offers in both directions', () => {
    const { net, client, server } = exchange(21, { mss: 1000 }, {});
    expect(synOf(net, 'A').options.mss).toBe(1000);
    expect(synOf(net, 'B').options.mss).toBe(1460);
    expect(client.t_maxseg).toBe(1000);
    expect(server.t_maxseg).toBe(1000);
    expect(maxPayload(net)).toBe(1000);
  });

  it('leaves room for the timestamps option', () => {
    const { net, client, server } = exchange(
      22,
      { mss: 1000, timestamps: true },
      { timestamps: true },
    );
    expect(client.t_maxopd).toBe(1000);
    expect(client.t_maxseg).toBe(988);
    expect(server.t_maxseg).toBe(988);
    expect(maxPayload(net)).toBe(988);
  });

  it('assumes 536 when the peer sends no MSS option', () => {
    const net = new Net({ seed: 23 });
    const [client] = establish(net);
    expect(client.t_maxseg).toBe(1460);
    // A raw SYN without options to a listener on B.
    let server: ReturnType<typeof net.b.lookup>;
    net.b.listen(90, (c) => {
      server = c;
    });
    net.inject('B', {
      src: 0x0a000001,
      dst: 0x0a000002,
      sport: 40000,
      dport: 90,
      seq: 1000,
      ack: 0,
      flags: TH_SYN,
      wnd: 8192,
      urp: 0,
      options: {},
      payload: new Uint8Array(0),
      ipId: 1,
      ttl: 64,
    });
    const half = net.b.lookup(0x0a000002, 90, 0x0a000001, 40000);
    expect(half?.t_state).toBe('SYN_RECEIVED');
    expect(half?.t_maxseg).toBe(536);
    expect(server).toBeUndefined(); // not accepted before the handshake completes
  });
});

describe('window scale', () => {
  it('scales when both SYNs carry the option; SYN windows are not scaled', () => {
    const big = 1 << 20;
    const { net, client, server } = exchange(
      31,
      { wscale: 7, rcvBuf: big, sndBuf: big },
      { wscale: 5, rcvBuf: big, sndBuf: big },
      200_000,
    );
    const synA = synOf(net, 'A');
    const synB = synOf(net, 'B');
    expect(synA.options.wscale).toBe(7);
    expect(synB.options.wscale).toBe(5);
    expect(synA.wnd).toBe(65535);
    expect(synB.wnd).toBe(65535);
    expect([client.snd_scale, client.rcv_scale]).toEqual([5, 7]);
    expect([server.snd_scale, server.rcv_scale]).toEqual([7, 5]);
    // A window above 64 KiB is only expressible scaled.
    expect(client.max_sndwnd).toBeGreaterThan(65535);
    const lastB = net.segsFrom('B').at(-1)?.seg as Segment;
    expect(lastB.wnd * 32).toBeLessThanOrEqual(big);
    expect(lastB.wnd * 32).toBeGreaterThan(65535);
  });

  it('does not scale when only the active side offers it', () => {
    const big = 1 << 20;
    const { net, client, server } = exchange(
      32,
      { wscale: 7, rcvBuf: big },
      { wscale: null, rcvBuf: big },
    );
    expect(synOf(net, 'A').options.wscale).toBe(7);
    expect(synOf(net, 'B').options.wscale).toBeUndefined();
    expect([client.snd_scale, client.rcv_scale, server.snd_scale, server.rcv_scale]).toEqual([
      0, 0, 0, 0,
    ]);
    expect(client.max_sndwnd).toBe(65535);
    expect(server.max_sndwnd).toBe(65535);
  });

  it('does not answer with the option when the SYN lacks it', () => {
    const { net, client, server } = exchange(33, { wscale: undefined }, { wscale: 7 });
    expect(synOf(net, 'A').options.wscale).toBeUndefined();
    expect(synOf(net, 'B').options.wscale).toBeUndefined();
    expect([client.snd_scale, client.rcv_scale, server.snd_scale, server.rcv_scale]).toEqual([
      0, 0, 0, 0,
    ]);
  });

  it('validates the shift and caps the delayed-ACK timeout', () => {
    expect(() => resolveTcpConfig(TCP_DEFAULTS, { wscale: 15 })).toThrow(RangeError);
    expect(resolveTcpConfig(TCP_DEFAULTS, { delackNs: 500 * MS }).delackNs).toBe(200 * MS);
    expect(resolveTcpConfig(TCP_DEFAULTS, {}).wscale).toBe(7);
    expect(resolveTcpConfig(TCP_DEFAULTS, { wscale: undefined }).wscale).toBeUndefined();
  });
});

describe('timestamps', () => {
  it('are used only when both sides enable them', () => {
    const one = exchange(41, { timestamps: true }, { timestamps: false }, 5000);
    expect(synOf(one.net, 'A').options.ts).toBeDefined();
    const withTs = one.net.segs.filter((r) => r.seg.options.ts !== undefined);
    expect(withTs.length).toBe(1); // A's SYN only
    expect(one.client.t_flags & (TF_REQ_TSTMP | TF_RCVD_TSTMP)).toBe(0);

    const both = exchange(42, { timestamps: true }, { timestamps: true }, 5000);
    expect(both.net.segs.every((r) => r.seg.options.ts !== undefined)).toBe(true);
    const f = TF_REQ_TSTMP | TF_RCVD_TSTMP;
    expect(both.client.t_flags & f).toBe(f);
    expect(both.server.t_flags & f).toBe(f);
  });

  it('carry floor(now / 1 ms) + tsOffset mod 2^32, and echo the peer', () => {
    const offA = 1_000_000;
    const offB = 2 ** 32 - 5; // wraps after 5 ms
    const { net } = exchange(
      43,
      { timestamps: true, tsOffset: offA },
      { timestamps: true, tsOffset: offB },
      5000,
    );
    for (const r of net.segs) {
      const ts = r.seg.options.ts;
      expect(ts).toBeDefined();
      const off = r.from === 'A' ? offA : offB;
      expect(ts?.val).toBe((Math.floor(r.t / MS) + off) % 2 ** 32);
    }
    const synA = synOf(net, 'A');
    const synB = synOf(net, 'B');
    expect(synA.options.ts?.ecr).toBe(0);
    expect(synB.options.ts?.ecr).toBe(synA.options.ts?.val);
    expect(synB.options.ts?.val).toBe(5); // 10 ms + offB wrapped
    // After the handshake every ACK from A echoes a TSval B sent.
    const bVals = new Set(net.segsFrom('B').map((r) => r.seg.options.ts?.val));
    for (const r of net.segsFrom('A')) {
      if ((r.seg.flags & TH_ACK) !== 0) expect(bVals.has(r.seg.options.ts?.ecr)).toBe(true);
    }
  });
});

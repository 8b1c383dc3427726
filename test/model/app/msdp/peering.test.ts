// Proves one MSDP peering's life per RFC 3618 §5 and §11: the lower address connects and the higher listens (D-1), each side sends a KeepAlive on ESTABLISHED and then only when nothing was sent for 60 s, a silent peer is reset by the 75 s Hold timer and re-dialled every 30 s by ConnectRetry, a TLV format error resets the session (which comes back), and an unknown TLV type is discarded without a reset.
import { describe, expect, it } from 'vitest';
import {
  MSDP_K,
  connectionRole,
  encodeRawTlv,
  encodeTlv,
  TLV_TYPE,
} from '../../../../model/app/msdp/index.ts';
import { SEC } from '../../../../sim/index.ts';
import { MsdpLab } from './lab.ts';
import { cfg, ip, origination, PERIOD } from './fixture.ts';

const A = '10.0.0.1';
const B = '10.0.0.2';

function pair(withSources = 0) {
  const lab = new MsdpLab({ latencyNs: 1_000_000 });
  const a = lab.addBox(
    'a',
    cfg(A, [B], [], withSources > 0 ? origination(ip(A), 1, withSources) : undefined),
  );
  const b = lab.addBox('b', cfg(B, [A], []));
  return { lab, a, b };
}

const state = (box: { master: { speaker: { peerViews(): Array<{ state: string }> } } }) =>
  box.master.speaker.peerViews()[0]?.state;

describe('connection roles (RFC 3618 §11, SPEC D-1)', () => {
  it('the higher address listens, the lower connects', () => {
    expect(connectionRole(ip(B), ip(A))).toBe('listen');
    expect(connectionRole(ip(A), ip(B))).toBe('connect');
    expect(() => connectionRole(ip(A), ip(A))).toThrow();
  });

  it('only the lower address dials; both reach ESTABLISHED one latency later', () => {
    const { lab, a, b } = pair();
    lab.start();
    expect(state(a)).toBe('connecting');
    expect(state(b)).toBe('listen');
    lab.run(1_000_000);
    expect(state(a)).toBe('established');
    expect(state(b)).toBe('established');
    expect(lab.tracesOf(MSDP_K.connect).map((r) => r.who)).toEqual(['a/re0']);
  });
});

describe('KeepAlive and Hold (RFC 3618 §5.4, §5.5)', () => {
  it('an idle peering exchanges a KeepAlive at start and every 60 s, and never expires', () => {
    const { lab, a, b } = pair();
    lab.start();
    lab.run(10 * PERIOD + 5 * SEC);
    for (const box of [a, b]) {
      const sent = lab.tracesOf(MSDP_K.tx, box.master.name).map((r) => r.t);
      expect(sent).toHaveLength(11);
      for (let i = 1; i < sent.length; i++) expect(sent[i]! - sent[i - 1]!).toBe(PERIOD);
      const c = box.master.speaker.peerViews()[0]!.counters;
      expect(c.keepAlivesSent).toBe(11);
      expect(c.keepAlivesReceived).toBe(11);
      expect(c.holdExpiries + c.resets + c.adjacencyDrops).toBe(0);
    }
  });

  it('SAs sent within the period make KeepAlives unnecessary', () => {
    const { lab, a } = pair(120);
    lab.start();
    lab.run(5 * PERIOD);
    // One at ESTABLISHED; afterwards some SA always went out within 60 s.
    expect(a.master.speaker.peerViews()[0]!.counters.keepAlivesSent).toBe(1);
    expect(a.master.speaker.peerViews()[0]!.counters.saSent).toBeGreaterThan(100);
  });

  it('a crashed peer is reset after 75 s of silence, then re-dialled every 30 s', () => {
    const { lab, a, b } = pair();
    lab.start();
    lab.run(100 * SEC);
    lab.failover(b); // no backup: a plain crash, no FIN
    lab.run(400 * SEC);
    const c = a.master.speaker.peerViews()[0]!.counters;
    const [expiry] = lab.tracesOf(MSDP_K.holdExpired, 'a/re0');
    // Up at 1 ms; b's last KeepAlive left at 60.001 s and arrived at 60.002 s: the hold
    // period runs from there.
    expect(expiry?.t).toBe(60 * SEC + 2_000_000 + 75 * SEC);
    expect(c.holdExpiries).toBe(1);
    expect(c.resets).toBe(1);
    const retries = lab.tracesOf(MSDP_K.connectRetry, 'a/re0').map((r) => r.t);
    expect(retries.length).toBe(Math.floor((400 * SEC - expiry!.t) / (30 * SEC)));
    for (let i = 0; i < retries.length; i++)
      expect(retries[i]).toBe(expiry!.t + (i + 1) * 30 * SEC);
    expect(state(a)).toBe('connecting');
  });

  it('ConnectRetry brings the peering up once the listener appears', () => {
    const lab = new MsdpLab({ latencyNs: 1_000_000 });
    const a = lab.addBox('a', cfg(A, [B], []));
    const b = lab.addBox('b', cfg(B, [A], []));
    a.master.speaker.start('master');
    lab.run(45 * SEC);
    b.master.speaker.start('master');
    lab.run(61 * SEC);
    expect(state(a)).toBe('established');
    expect(a.master.speaker.peerViews()[0]!.counters.connectRetries).toBe(2);
  });
});

describe('errors (RFC 3618 §13)', () => {
  it('a TLV format error resets the session; the lower address dials again and it comes back', () => {
    const { lab, a, b } = pair();
    lab.start();
    lab.run(10 * SEC);
    a.master.speaker.session(ip(B))!.send(encodeRawTlv(TLV_TYPE.sa, 5, new Uint8Array(2)));
    lab.run(20 * SEC);
    const cb = b.master.speaker.peerViews()[0]!.counters;
    const ca = a.master.speaker.peerViews()[0]!.counters;
    expect(cb.formatErrors).toBe(1);
    expect(cb.resets).toBe(1);
    expect(ca.closes).toBe(1);
    const [err] = lab.tracesOf(MSDP_K.formatError, 'b/re0');
    expect(err?.fields).toMatchObject({ field: 'sa.length', offset: 3, direction: 'in' });
    expect(lab.tracesOf(MSDP_K.down).map((r) => [r.who, r.fields.reason])).toEqual([
      ['b/re0', 'format-error'],
      ['a/re0', 'peer-closed'],
    ]);
    expect(state(a)).toBe('established');
    expect(state(b)).toBe('established');
    expect(lab.conns.filter((c) => !c.closed)).toHaveLength(1);
  });

  it('an unknown TLV type is discarded: no reset, and it counts as a message for the Hold timer', () => {
    const { lab, a, b } = pair();
    lab.start();
    lab.run(10 * SEC);
    a.master.speaker
      .session(ip(B))!
      .send(encodeTlv(TLV_TYPE.saRequest, Uint8Array.of(0, 224, 1, 1, 1)));
    lab.run(11 * SEC);
    const cb = b.master.speaker.peerViews()[0]!.counters;
    expect(cb.otherReceived).toBe(1);
    expect(cb.resets + cb.formatErrors).toBe(0);
    expect(b.master.speaker.session(ip(A))!.lastInNs).toBe(10 * SEC + 1_000_000);
    expect(lab.tracesOf(MSDP_K.discard, 'b/re0')[0]?.fields).toMatchObject({ code: 2, length: 8 });
  });
});

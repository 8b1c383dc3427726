// Proves what every NSR client (model/nsr/client.ts) does when KKCM cannot take a message
// (K-4, I-6): the send is reported failed, the socket's replication error goes to IHA with
// its queue to be pushed, not dropped (P-7: the packets PRL holds go up L4 on the primary),
// so replication of the socket ends with a release 'push'. Shown on SDRL, whose own path
// has no other way out (PRL's refused replicate ends replication itself, prl.ts).
import { describe, expect, it } from 'vitest';
import { ACTOR, K } from '../../../model/vocab.ts';
import { MS } from '../../../sim/index.ts';
import { Harness, nsrConfig, peer, traffic } from './fixture.ts';

const SDRL0 = ACTOR.nsr(0, 'sdrl');
const IHA0 = ACTOR.nsr(0, 'iha');
const PRL0 = ACTOR.nsr(0, 'prl');

describe('a send KKCM refuses (K-4, I-6)', () => {
  it("SDRL's failed send: reported, a replication error to IHA, and the socket's PRL queue released with a push", () => {
    const h = new Harness(
      nsrConfig({
        durationNs: 800 * MS,
        peers: [peer('pa', { toRouter: traffic(200), fromRouter: traffic(200) })],
      }),
      { checkers: false },
    );
    h.runTo(1);
    const nsr = h.nsr(0);
    const inner = nsr.kkcm;
    let failedAt: number | undefined;
    nsr.kkcm = {
      get ready() {
        return inner.ready;
      },
      send(ctx, msg, waitOk) {
        if (msg.t === 'sdrl.data' && failedAt === undefined && h.now >= 300 * MS) {
          failedAt = h.now;
          return 'ENOBUFS: KKCM output queue full';
        }
        return inner.send(ctx, msg, waitOk);
      },
    };
    h.finish();
    expect(failedAt).toBeDefined();
    expect(h.of(K.nsr.sendFailed.sdrl, SDRL0).map((r) => [r.t, r.fields.t])).toEqual([
      [failedAt, 'sdrl.data'],
    ]);
    expect(h.of(K.nsr.replicationError, SDRL0).map((r) => r.fields.reason)).toEqual([
      'send failed: ENOBUFS: KKCM output queue full',
    ]);
    // The refused chunk is not counted as sent: nothing more goes in flight after it.
    const fail = h.of(K.nsr.sendFailed.sdrl, SDRL0)[0];
    expect(
      h.of(K.sdrl.inflight, SDRL0).filter((r) => r.t === failedAt && r.id > (fail?.id ?? 0)),
    ).toEqual([]);
    const releases = [...h.of(K.prl.release, IHA0), ...h.of(K.prl.release, PRL0)];
    expect(releases.map((r) => r.fields)).toMatchObject([{ session: 'pa/0', mode: 'push' }]);
  });
});

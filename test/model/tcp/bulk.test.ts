// Proves that MB-sized streams with large scaled windows move intact and that the send and receive buffers stay byte-exact under a bandwidth-limited link with a little loss.
import { describe, it, expect } from 'vitest';
import { Net, SEC, concat, establish, firstDiff, pattern, readAll, writeAll } from './harness.ts';

describe('bulk transfer', () => {
  it('moves 8 MB through 1 MB buffers intact', () => {
    const big = 1 << 20;
    const link = { latencyNs: 5_000_000, bandwidthBps: 1_000_000_000, loss: 0.001 };
    const net = new Net({
      seed: 131,
      ab: link,
      ba: { ...link },
      tcpA: { sndBuf: big, rcvBuf: big },
      tcpB: { sndBuf: big, rcvBuf: big },
    });
    const [client, server] = establish(net);
    const data = pattern(8 << 20, 9);
    const sink: Uint8Array[] = [];
    readAll(server, sink);
    let done = false;
    server.onPeerFin = () => {
      done = true;
    };
    writeAll(client, data, () => client.shutdown());
    net.run(net.loop.now + 600 * SEC, () => done);
    expect(done).toBe(true);
    expect(firstDiff(concat(sink), data)).toBe(-1);
    expect(client.max_sndwnd).toBeGreaterThan(65535);
  });
});

// Proves a speaker that took over keeps the stream offsets of the session it continued (engine contract: syncPoint()): after a failover its sync point reports every octet the old master and it wrote and read, so a new backup snooping from that sync point (a switchover's old master, SPEC B-3) ends up with the same Adj-RIB-In and never misreads a message.
import { describe, expect, it } from 'vitest';
import { BGP_KIND } from '../../../../model/app/bgp/index.ts';
import { MIN, SEC } from '../../../../sim/index.ts';
import { Pair, concat, peerCfg, routerCfg } from './harness.ts';

const table = (first: number, churnPerSec: number) => ({
  prefixCount: 200,
  firstPrefix: first,
  prefixLen: 24,
  churnPerSec,
});

describe('bgp sync point after a takeover', () => {
  it('reports the whole stream, and a second backup resumed from it learns the same routes', () => {
    const p = new Pair(
      routerCfg({ table: table(0x0a000000, 2) }),
      peerCfg({ table: table(0x14000000, 2) }),
    );
    p.addSnooper(p.a.cfg);
    p.start();
    p.loop.runFor(30 * SEC);
    const wroteBefore = concat(p.ioA.written).length;
    const neu = p.failover();
    p.loop.runFor(10 * SEC);
    const sync = neu.syncPoint();
    expect(sync.outOffset).toBe(wroteBefore + concat(p.ioA.written).length);
    expect(sync.inOffset).toBe(concat(p.ioB.written).length);
    const again = p.addSnooper(neu.cfg, sync);
    p.loop.runFor(1 * MIN);
    expect(again.adjRibIn()).toEqual(neu.adjRibIn());
    expect(again.state).toBe('Established');
    expect(p.snooperIo?.of(BGP_KIND.snoopMismatch)).toHaveLength(0);
  });
});

// Proves the stack's connection table (model/tcp/stack.ts): a segment's connection is found
// by its 4-tuple and by nothing else, connections() lists them in creation order, a closed
// connection frees its tuple, and the lookup index and the creation-order table are checked
// against each other (each assertion fires when the other side is tampered with).
import { describe, expect, it } from 'vitest';
import type { TcpConnection } from '../../../model/tcp/tcp.ts';
import type { TcpStack } from '../../../model/tcp/stack.ts';
import { ADDR_A, ADDR_B, Net, SEC, establish } from './harness.ts';

/** The stack's private table and index, to break one behind the other's back. */
const internals = (s: TcpStack) =>
  s as unknown as {
    conns: Set<TcpConnection>;
    byEnds: Map<number, Map<number, TcpConnection>>;
  };

describe('TcpStack connection table', () => {
  it('finds each connection by its 4-tuple only, lists them in creation order, and frees a tuple when its connection closes', () => {
    const net = new Net({ seed: 1 });
    const [c80, s80] = establish(net, 80);
    const [c81] = establish(net, 81);
    expect(net.a.lookup(ADDR_A, c80.lport, ADDR_B, 80)).toBe(c80);
    expect(net.a.lookup(ADDR_A, c81.lport, ADDR_B, 81)).toBe(c81);
    expect(net.b.lookup(ADDR_B, 80, ADDR_A, c80.lport)).toBe(s80);
    // Any one field off: no connection.
    expect(net.a.lookup(ADDR_B, c80.lport, ADDR_B, 80)).toBeUndefined();
    expect(net.a.lookup(ADDR_A, c80.lport + 1, ADDR_B, 80)).toBeUndefined();
    expect(net.a.lookup(ADDR_A, c80.lport, ADDR_A, 80)).toBeUndefined();
    expect(net.a.lookup(ADDR_A, c80.lport, ADDR_B, 81)).toBeUndefined();
    expect([...net.a.connections()]).toEqual([c80, c81]);
    c80.abort();
    net.run(net.loop.now + SEC);
    expect(net.a.lookup(ADDR_A, c80.lport, ADDR_B, 80)).toBeUndefined();
    expect([...net.a.connections()]).toEqual([c81]);
  });

  it('asserts when a closing connection is indexed but missing from the creation-order table', () => {
    const net = new Net({ seed: 1 });
    const [client] = establish(net);
    internals(net.a).conns.delete(client);
    expect(() => net.a.remove(client)).toThrow('indexed but not in the table');
  });

  it('asserts when a new connection would take a 4-tuple the index already holds', () => {
    const net = new Net({ seed: 1 });
    const [client] = establish(net);
    // Hide the tuple from the lookup connect() checks first, not from the index's entry.
    const locals = internals(net.a).byEnds.values().next().value as Map<number, TcpConnection>;
    const l = [...locals.keys()][0] as number;
    expect(() => {
      net.a.lookup = () => undefined;
      net.a.connect(client.lport, ADDR_B, 80);
    }).toThrow('the 4-tuple is in use');
    expect(locals.get(l)).toBe(client);
  });
});

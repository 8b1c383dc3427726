// Which application session a record belongs to, read from the trace alone (the session
// filter of the report and its per-session counters). NSR records name their session;
// a TCP record names its connection ("local>remote"), which the application's attach
// (or snoop) record pairs with its session in the same handler; a PFE transmission names
// the peer's address and port. A message (a `send` record) takes the session of the
// records its delivery caused, so a packet crossing a link carries the session its
// handler found out. Records of the inter-RE KKCM connection belong to no session.
import type { TraceRecord } from '../../sim/index.ts';
import { K, actorInfo } from '../../model/vocab.ts';

/** Maps the peer's end of a connection ("10.0.1.1:20000") to its session ("pa/0"). */
export class SessionMap {
  private readonly byEndpoint = new Map<string, string>();

  /** Learns from state records (tcp.state and app.attach/app.snoop, in id order). */
  learn(records: readonly TraceRecord[]): void {
    // Per actor and cause: the connection that became ESTABLISHED in that handler.
    const established = new Map<string, string>();
    for (const r of records) {
      const key = `${r.actor}|${r.cause}`;
      if (r.kind === K.tcp.state && r.fields.to === 'ESTABLISHED') {
        if (typeof r.fields.conn === 'string') established.set(key, r.fields.conn);
        continue;
      }
      if (r.kind !== K.app.attach && r.kind !== K.app.snoop) continue;
      const conn = established.get(key);
      const session = r.fields.session;
      if (conn === undefined || typeof session !== 'string') continue;
      const ep = peerEndpoint(r.actor, conn);
      if (ep !== undefined) this.byEndpoint.set(ep, session);
    }
  }

  /** The session of a connection key as either end names it, if known. */
  ofConn(conn: string): string | undefined {
    const [a = '', b = ''] = conn.split('>');
    return this.byEndpoint.get(a) ?? this.byEndpoint.get(b);
  }

  ofEndpoint(ep: string): string | undefined {
    return this.byEndpoint.get(ep);
  }
}

/** The peer's end of a connection key as `actor` names it (local>remote). */
function peerEndpoint(actor: string, conn: string): string | undefined {
  const [local, remote] = conn.split('>');
  const box = actorInfo(actor).box;
  if (box === 'peer') return local;
  if (box === 're') return remote;
  return undefined;
}

/** The session a record names itself, if any. */
export function ownSession(r: TraceRecord, map: SessionMap): string | undefined {
  const f = r.fields;
  if (typeof f.session === 'string') return f.session;
  if (typeof f.conn === 'string') return map.ofConn(f.conn);
  if (r.kind === K.pfe.tx && typeof f.dst === 'string' && typeof f.dport === 'number')
    return map.ofEndpoint(`${f.dst}:${f.dport}`);
  return undefined;
}

/**
 * The session of every record of a window of consecutive records (undefined when none
 * is known). A send record takes the session of the first record it caused (searched
 * backwards, so a packet's first hop learns from its second's handler).
 */
export function sessionsOf(
  records: readonly TraceRecord[],
  map: SessionMap,
): Array<string | undefined> {
  const out = records.map((r) => ownSession(r, map));
  const first = records[0]?.id ?? 0;
  for (let i = records.length - 1; i >= 0; i--) {
    const s = out[i];
    const r = records[i] as TraceRecord;
    if (s === undefined || r.cause < first) continue;
    const ci = r.cause - first;
    const cause = records[ci];
    if (cause !== undefined && cause.kind === K.sim.send && out[ci] === undefined) out[ci] = s;
  }
  return out;
}

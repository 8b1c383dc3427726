// What the MSDP and the BGP host (msdp-host.ts, bgp-host.ts) do the same way: the backup's
// snooping sockets and the failover order of the engine contract (model/app/msdp/io.ts:
// every snooping socket drained first, then this socket's takeover(), then the speaker(s)
// become the master's once no socket snoops any more), the snooping socket a replicated
// secondary becomes, and the local port of an active open. A host says how it keeps its
// sockets (per peer address, or per peering) and what becoming master means for it.
import type { Ipv4 } from '../../net/segment.ts';
import type { TcpConnection, TcpStack } from '../../tcp/tcp.ts';
import { K } from '../../vocab.ts';
import type { EngineSocket, LayerEnv } from './socket.ts';

export abstract class LayerHost {
  /** Active opens in progress, one per peer (a newer one abandons the older). */
  private readonly pending = new Map<Ipv4, TcpConnection>();
  /** Active opens so far: the next local port is the next free one after them. */
  private opens = 0;

  constructor(
    private readonly layerEnv: LayerEnv,
    /** For the speaker-master trace record: "msdp" or "bgp". */
    private readonly protocol: string,
  ) {}

  /** The host's current sockets (undefined where a peering has none). */
  protected abstract currentSockets(): Iterable<EngineSocket | undefined>;
  /** Number of sessions the host has (the speaker-master trace record says it). */
  protected abstract sessionCount(): number;
  /** True once this host's speaker(s) are the master's. */
  protected abstract isMaster(): boolean;
  /** The speaker(s) become the master's: the host listens and takes over (called once). */
  protected abstract becomeMaster(): void;

  /** Sockets snooping now (the backup's, before a takeover). */
  snooping(): EngineSocket[] {
    const out: EngineSocket[] = [];
    for (const s of this.currentSockets())
      if (s !== undefined && s.mode === 'snoop' && s.conn !== undefined) out.push(s);
    return out;
  }

  /**
   * Failover of one socket (PSRM): drain every snooping socket first (whether the old
   * master sent something on one socket is known only once its arrival on another is
   * read), then this socket's takeover(); on the master, the speakers follow the last one.
   */
  takeover(sock: EngineSocket, isMaster: boolean): void {
    for (const s of this.snooping()) s.drainSnoop();
    sock.takeover();
    if (isMaster) this.maybeBecomeMaster();
  }

  /** The RE became master: with no snooping socket left, the speakers are the master's now. */
  maybeBecomeMaster(): void {
    if (this.snooping().length > 0 || this.isMaster()) return;
    this.layerEnv.trace(K.layer.speakerMaster, {
      protocol: this.protocol,
      sessions: this.sessionCount(),
    });
    this.becomeMaster();
  }

  /** A new socket (newSocket's) snooping a secondary that became active here. */
  protected startSnoop(
    sock: EngineSocket,
    conn: TcpConnection,
    inBase: number,
    outBase: number,
    out: () => Uint8Array[],
  ): EngineSocket {
    sock.replicatedNs = this.layerEnv.now();
    sock.attachSnoop(conn, inBase, outBase, out);
    return sock;
  }

  /**
   * An active open to `peer` (RFC 3618 §11, RFC 4271 §8.2.1.4) from the next local port of
   * [base, base + ports) whose 4-tuple is free (one per attempt, so a retry never meets a
   * TIME_WAIT twin); a pending open to the same peer is abandoned first. `up` runs when it
   * is established, `failed` when it closes before; `current` tells whether it was still
   * the peer's pending open then (not abandoned by a newer one).
   */
  protected openConnection(
    stack: TcpStack,
    peer: Ipv4,
    peerPort: number,
    ports: { readonly base: number; readonly count: number },
    up: (conn: TcpConnection, current: boolean) => void,
    failed: (reason: string, current: boolean) => void = () => undefined,
  ): void {
    this.pending.get(peer)?.abort();
    let port = ports.base + (this.opens++ % ports.count);
    while (stack.lookup(stack.addr, port, peer, peerPort) !== undefined)
      port = ports.base + (this.opens++ % ports.count);
    const conn = stack.connect(port, peer, peerPort);
    this.pending.set(peer, conn);
    const settle = (): boolean => {
      const current = this.pending.get(peer) === conn;
      if (current) this.pending.delete(peer);
      return current;
    };
    conn.onEstablished = () => up(conn, settle());
    conn.onClosed = (reason) => failed(reason, settle());
  }

  /** Abandons every pending active open (the host stops being master). */
  protected abortPending(): void {
    for (const c of this.pending.values()) c.abort();
    this.pending.clear();
  }
}

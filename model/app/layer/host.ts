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
}

/**
 * The local port of an active open to `peer`: the next of `ports` ports from `base` whose
 * 4-tuple is free (one per attempt, so a retry never meets a TIME_WAIT twin). `next` counts
 * the attempts; the new count is returned with the port.
 */
export function connectPort(
  stack: TcpStack,
  peer: Ipv4,
  peerPort: number,
  base: number,
  ports: number,
  next: number,
): { port: number; next: number } {
  let n = next;
  let port = base + (n++ % ports);
  while (stack.lookup(stack.addr, port, peer, peerPort) !== undefined) port = base + (n++ % ports);
  return { port, next: n };
}

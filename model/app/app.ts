// What NSR needs of the application on a replicated socket (SPEC I-3, S-1, S-3). The
// master's application asks IHA to replicate its socket; the backup's runs in snooping
// mode on the secondary socket, reading both directions and never writing; a failover
// makes it the active one. The stream test application (session.ts) implements it, and
// the protocol applications (MSDP, BGP) will.
import type { TcpConnection } from '../tcp/tcp.ts';

export interface ReplicatedApp {
  /** The session's id, e.g. "pa/0". */
  readonly id: string;
  /** 'active' writes and reads; 'snoop' only reads both directions (S-3). */
  readonly mode: 'active' | 'snoop';
  /** Stream offset of the next byte the application will read (bytes read so far). */
  readonly inOffset: number;
  /** Stream offset of the next byte the application will hand the socket (bytes written). */
  readonly outOffset: number;
  /** Binds a socket and starts writing and reading (active). */
  attach(conn: TcpConnection): void;
  /** Stops all timers and lets go of the socket. */
  detach(): void;
  /** Snoop mode: the master's application wrote more (SDRL appended it, S-3). */
  onSnoopOut(): void;
  /** Failover: the snooping application becomes the active one (I-5, S-1). */
  takeover(): void;
}

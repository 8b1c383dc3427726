// How the MSDP engine meets the rest of the model (the protocol-engine contract of issue
// 14). The engine is plain classes, no actor and no simulator: the application-protocol
// layer hosting it gives each session a ProtocolIo bound to one TCP connection, and the
// router-level speaker a SpeakerIo; the layer calls the ProtocolEngine methods. Timers
// come only from the io (virtual time), randomness only from its Rng (GUIDE §3).
//
// Two members go beyond the contract's list, because RFC 3618 needs them and the contract
// gives no other way: ProtocolIo.close (§13 and §5.4 reset the session: the engine must be
// able to close its connection) and SpeakerIo.connect (§11, §5.6: the lower-address peer
// opens the connection and retries every [ConnectRetry-Period]).
import type { Rng } from '../../../sim/index.ts';
import type { Ipv4 } from '../../net/segment.ts';

export interface ProtocolIo {
  /** Virtual time, integer ns. */
  now(): number;
  /** Writes to the TCP socket; returns how many bytes so_snd accepted (maybe fewer). */
  write(bytes: Uint8Array): number;
  /** Starts a timer; the layer calls onTimer(tag) when it fires. Returns a handle. */
  startTimer(tag: string, delayNs: number): number;
  cancelTimer(handle: number): void;
  trace(kind: string, fields: Record<string, unknown>): void;
  rng: Rng;
  /**
   * Closes the TCP connection (a session reset). The layer later calls onClosed(), which
   * the session then ignores.
   */
  close(reason: string): void;
}

export type EngineMode = 'active' | 'snoop';

/**
 * Where a late snooper starts (its initial sync): the active instance's stream offsets of
 * what it has read and written, and the bytes of a message it has only partly read or
 * written (they end at those offsets).
 */
export interface SyncPoint {
  inOffset: number;
  outOffset: number;
  inPartial: Uint8Array;
  outPartial: Uint8Array;
}

/** The engine surface the application-protocol layer calls (one instance per connection). */
export interface ProtocolEngine {
  start(mode: EngineMode): void;
  input(bytes: Uint8Array): void;
  snoopIn(bytes: Uint8Array): void;
  snoopOut(bytes: Uint8Array): void;
  takeover(): void;
  onTimer(tag: string): void;
  onWritable(): void;
  onClosed(reason: string): void;
  syncPoint(): SyncPoint;
  resume(sync: SyncPoint): void;
}

/** What the router-level speaker needs from its host (one per RE or external peer). */
export interface SpeakerIo {
  now(): number;
  startTimer(tag: string, delayNs: number): number;
  cancelTimer(handle: number): void;
  trace(kind: string, fields: Record<string, unknown>): void;
  /**
   * Seeded identically on both REs (same seed and name, separate instances): the local
   * source schedule is drawn from it at construction, and both REs must agree on it.
   */
  rng: Rng;
  /**
   * RFC 3618 §11 (SPEC D-1): an active TCP open towards `peer`, port 639. Called by the
   * lower-address side on entering CONNECTING and on each ConnectRetry expiry; a new call
   * abandons any attempt still pending. When it succeeds the layer calls attach().
   */
  connect(peer: Ipv4): void;
}

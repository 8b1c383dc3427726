// The protocol-engine contract (the integrator's application-protocol layer adapts it):
// the engine is a plain class that talks to the outside only through ProtocolIo, and the
// layer drives it through ProtocolEngine. No actor, no simulator, no real time: timers and
// randomness come from the io (GUIDE §3).
//
// BGP needs two things the byte-stream contract lacks, so ProtocolIo has them: connect()
// (ConnectRetry, RFC 4271 §8.2.2: the speaker opens connections itself) and close() (a
// NOTIFICATION is followed by closing the connection, §6). After the engine calls close(),
// the layer delivers nothing more for that connection (no input, no onClosed).
import type { Rng } from '../../../sim/index.ts';

export interface ProtocolIo {
  /** Virtual time, integer ns. */
  now(): number;
  /** To the TCP socket; returns the octets accepted (so_snd room). */
  write(bytes: Uint8Array): number;
  startTimer(tag: string, delayNs: number): number;
  cancelTimer(handle: number): void;
  trace(kind: string, fields: Record<string, unknown>): void;
  /** Seeded stream (sim/rng.ts). */
  rng: Rng;
  /** Opens a TCP connection to the peer: the layer answers onConnected() or onClosed(reason). */
  connect(): void;
  /** Closes the connection once what was written has been sent (FIN). */
  close(): void;
}

/** Where an NSR snooper joins a stream: what the active instance had consumed and produced. */
export interface SyncPoint {
  inOffset: number;
  outOffset: number;
  /** Octets of a message the active instance has only partly read. */
  inPartial: Uint8Array;
  /** Octets of a message the active instance has only partly written. */
  outPartial: Uint8Array;
}

export type EngineMode = 'active' | 'snoop';

export interface ProtocolEngine<S extends SyncPoint = SyncPoint> {
  start(mode: EngineMode): void;
  input(bytes: Uint8Array): void;
  snoopIn(bytes: Uint8Array): void;
  snoopOut(bytes: Uint8Array): void;
  takeover(): void;
  onTimer(tag: string): void;
  onWritable(): void;
  onClosed(reason: string): void;
  syncPoint(): S;
  resume(sync: S): void;
}

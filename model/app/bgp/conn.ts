// What a BGP speaker knows about one TCP connection: both byte streams (the peer's, and in
// snoop mode the master's own), the OPENs exchanged, what was negotiated, and how far each
// side has got through the OPEN exchange and its UPDATE sequence. A new connection starts
// from nothing (RFC 4271 §8: every session begins with an OPEN exchange); what outlives a
// connection (the Adj-RIB-In, graceful restart) lives in gr.ts.
//
// The "written" facts count only what is on the stream (written to the socket, or seen in
// the snooped output), never what is merely queued, because a sync point (syncPoint()) and
// a takeover are about the stream itself (SPEC S-1).
import { SEC } from '../../../sim/index.ts';
import type { BgpConfig } from './config.ts';
import { EMPTY_BYTES, type DecodeCtx, type OpenMsg } from './defs.ts';
import { BgpFramer } from './framer.ts';
import { openFacts, type OpenFacts } from './open.ts';
import { OutQueue } from './outq.ts';
import { OutboundPlan } from './table.ts';

/** RFC 4271 §8.2.2: in OpenSent the hold timer is set to a large value; 4 minutes is suggested. */
export const OPEN_HOLD_NS = 240 * SEC;

/** Bound on waiting for so_snd to take a NOTIFICATION before closing anyway. */
export const CLOSE_FLUSH_NS = 5 * SEC;

export interface Negotiated {
  holdTimeSec: number;
  holdNs: number;
  /** 0 when the hold time is 0: no KEEPALIVEs at all (RFC 4271 §4.4). */
  keepaliveNs: number;
  as4: boolean;
  peer: OpenFacts;
  /** How the peer's UPDATEs decode. */
  ctx: DecodeCtx;
  /** How this side's own UPDATEs decode (a snooper reads them: SPEC B-3). */
  ownCtx: DecodeCtx;
  plan: OutboundPlan;
}

/** Decoding before the OPEN exchange: only OPEN, KEEPALIVE and NOTIFICATION can come. */
export const NO_SESSION_CTX: DecodeCtx = { as4: false };

export class Conn {
  /** The peer's stream (input(), or snoopIn() in snoop mode). */
  readonly in = new BgpFramer();
  /** This side's stream as the socket took it. */
  readonly out = new OutQueue();
  /** Snoop mode: the master's stream as SDRL replicated it. */
  readonly snooped = new BgpFramer();
  ourOpen: OpenMsg | undefined;
  ourOpenBytes: Uint8Array = EMPTY_BYTES;
  peerOpen: OpenMsg | undefined;
  peerOpenBytes: Uint8Array = EMPTY_BYTES;
  session: Negotiated | undefined;
  /** Our OPEN is wholly on the stream. */
  openWritten = false;
  /** Our KEEPALIVE answering the peer's OPEN is wholly on the stream. */
  keepaliveWritten = false;
  /** A KEEPALIVE or UPDATE of the peer's, after its OPEN, has been consumed. */
  peerConfirmed = false;
  /** Number of the next UPDATE of this session to produce (active) or to see (snoop). */
  updatesOut = 0;
  /** UPDATEs wholly on the stream. */
  updatesWritten = 0;
  /** Churn events due but not yet produced (the socket was full). */
  churnPending = 0;
  /** A NOTIFICATION was sent or received: the session is over, the connection is closing. */
  closing = false;
}

/** The hold time (the smaller of both, RFC 4271 §4.2), keepalive, AS width and UPDATE plan. */
export function negotiate(cfg: BgpConfig, ours: OpenMsg, theirs: OpenMsg): Negotiated {
  const peer = openFacts(theirs);
  const holdTimeSec = Math.min(ours.holdTimeSec, theirs.holdTimeSec);
  const holdNs = holdTimeSec * SEC;
  // RFC 4271 §4.4: one third of the hold time is reasonable; never more (Junos 90/30).
  const third = Math.floor(holdNs / 3);
  const keepaliveNs =
    holdTimeSec === 0 ? 0 : Math.min(third, (cfg.keepaliveSec ?? Number.MAX_SAFE_INTEGER) * SEC);
  const as4 = openFacts(ours).as4 && peer.as4;
  const ebgp = cfg.localAs !== cfg.peerAs;
  const ctx: DecodeCtx = ebgp ? { as4, ebgpPeerAs: cfg.peerAs } : { as4, ibgp: true };
  const ownCtx: DecodeCtx = ebgp ? { as4, ebgpPeerAs: cfg.localAs } : { as4, ibgp: true };
  const plan = new OutboundPlan(
    cfg.table,
    { localAs: cfg.localAs, nextHop: cfg.nextHop, ebgp },
    as4,
    cfg.name,
  );
  return { holdTimeSec, holdNs, keepaliveNs, as4, peer, ctx, ownCtx, plan };
}

/** RFC 4271 §8.2.2 / RFC 6608 §4: the FSM error subcode for a message unexpected in a state. */
export function unexpected(state: string, kind: string): number | undefined {
  if (kind === 'notification') return undefined;
  if (state === 'OpenSent') return kind === 'open' ? undefined : 1;
  if (state === 'OpenConfirm') return kind === 'keepalive' ? undefined : 2;
  if (state === 'Established') return kind === 'open' ? 3 : undefined;
  return 0;
}

// The trace kinds the BGP engine emits (GUIDE §5: typed constants, never string suffixes).
// The integrator folds them into model/vocab.ts as K.bgp; until then the engine, its tests
// and any checker import them from here.
export const BGP_KIND = {
  /** FSM transition {from, to, why} (RFC 4271 §8). */
  state: 'bgp.state',
  /** A message produced for the socket {msg, len, ...summary}; in snoop mode, one seen in snoopOut. */
  tx: 'bgp.tx',
  /** A message taken from the socket; in snoop mode, one seen in snoopIn. */
  rx: 'bgp.rx',
  /** Received octets that fail an RFC 4271 §6 check {code, subcode, error, reason}. */
  malformed: 'bgp.malformed',
  /** A NOTIFICATION sent {code, subcode, error, data} (RFC 4271 §4.5). */
  notifySent: 'bgp.notify-sent',
  /** A NOTIFICATION received. */
  notifyRcvd: 'bgp.notify-rcvd',
  /** The hold timer expired (RFC 4271 §6.5). */
  holdExpired: 'bgp.hold-expired',
  /** A TCP connection was asked for (ConnectRetry, RFC 4271 §8.2.2). */
  connect: 'bgp.connect',
  /** The TCP connection went away {reason, state}. */
  closed: 'bgp.closed',
  /** The session reached Established {holdTimeSec, keepaliveNs, as4, peerGr}. */
  up: 'bgp.up',
  /** An Established session went down {cause, routes, retained}. */
  down: 'bgp.down',
  /** Graceful restart helper: the peer's routes kept as stale {routes, restartTimeSec} (RFC 4724 §4.2). */
  grStale: 'bgp.gr-stale',
  /** Stale routes deleted {reason, routes}. */
  grFlush: 'bgp.gr-flush',
  /** Every route of the peer deleted at once (no graceful restart) {routes}. */
  withdrawAll: 'bgp.withdraw-all',
  /** End-of-RIB sent / received (RFC 4724 §2). */
  eorSent: 'bgp.eor-sent',
  eorRcvd: 'bgp.eor-rcvd',
  /** The table is whole again after a reset {downNs, wholeAgainNs}. */
  wholeAgain: 'bgp.whole-again',
  /** Snoop mode began on a replicated socket {inOffset, outOffset, ...} (SPEC B-3). */
  resume: 'bgp.resume',
  /** The snooper saw its own side's output differ from what it would have produced. */
  snoopMismatch: 'bgp.snoop-mismatch',
  /** The snooper's own hold timer ran out (it never acts on it: it never writes). */
  snoopHoldExpired: 'bgp.snoop-hold-expired',
  /** Snoop → active {state, completed, keepaliveDue}. */
  takeover: 'bgp.takeover',
  /** A timer fired that no longer applies. */
  timerIgnored: 'bgp.timer-ignored',
  /** Test hook: a deliberately malformed message was written {malform}. */
  malformedSent: 'bgp.malformed-sent',
} as const;

export type BgpKind = (typeof BGP_KIND)[keyof typeof BGP_KIND];

// The MSDP engine's trace kinds (GUIDE §5: typed constants, never matched by string
// suffix). The integrator folds them into model/vocab.ts as K.msdp; until then the engine,
// its tests and the checkers import them from here.
export const MSDP_K = {
  /** Session bound to its connection and running (mode active or snoop). */
  up: 'msdp.up',
  /** Session left ESTABLISHED (reason: format error, hold expiry, closed, ...). */
  down: 'msdp.down',
  /** A whole TLV written to the socket (active) or seen written by the master (snoop). */
  tx: 'msdp.tx',
  /** A whole TLV read from the socket (active) or from the receive snoop buffer (snoop). */
  rx: 'msdp.rx',
  /** RFC 3618 §13: a TLV format error; the session is reset. */
  formatError: 'msdp.format-error',
  /** RFC 3618 §12: a TLV longer than 9,192 bytes was accepted and its excess ignored. */
  overlong: 'msdp.overlong',
  /** RFC 3618 §13: an unknown or unsupported TLV type, silently discarded. */
  discard: 'msdp.discard',
  /** An SA entry dropped (sprefix length other than 32). */
  entryDropped: 'msdp.entry-dropped',
  /** RFC 3618 §10.1.3: an SA failed the peer-RPF check and was dropped. */
  rpfFail: 'msdp.rpf-fail',
  /** SA cache: a (RP, group, source) entered the cache. */
  saNew: 'msdp.sa-new',
  /** SA cache: an entry's SA-State timer expired (RFC 3618 §5.3). */
  saExpire: 'msdp.sa-expire',
  /** SA cache full: the SA was not cached. */
  saCacheFull: 'msdp.sa-cache-full',
  /** A local source became active or inactive (origination churn). */
  source: 'msdp.source',
  /** Peer FSM (RFC 3618 §11): a state change. */
  state: 'msdp.state',
  /** Peer FSM: active open requested (ConnectRetry armed, RFC 3618 §5.6). */
  connect: 'msdp.connect',
  /** Peer FSM: the ConnectRetry timer expired and the open is retried. */
  connectRetry: 'msdp.connect-retry',
  /** RFC 3618 §5.4: the peer's hold timer expired; the session is reset. */
  holdExpired: 'msdp.hold-expired',
  /** Snoop mode: the hold period passed without a peer message (the master should reset). */
  snoopHoldExpired: 'msdp.snoop-hold-expired',
  /** The session's output queue hit its bound; the session is reset. */
  outQueueFull: 'msdp.out-queue-full',
  /** A late snooper joined mid-stream at this sync point. */
  resume: 'msdp.resume',
  /** Snoop -> active: what the new master had to finish and catch up. */
  takeover: 'msdp.takeover',
  /** takeover(): no candidate matched the half-written message; filler finished it. */
  completeFallback: 'msdp.complete-fallback',
  /** Snoop bookkeeping: an expected forward or an unmatched outbound SA aged out or overflowed. */
  snoopForget: 'msdp.snoop-forget',
} as const;

type Leaves<T> = T extends string ? T : { [P in keyof T]: Leaves<T[P]> }[keyof T];
export type MsdpTraceKind = Leaves<typeof MSDP_K>;

/** Every MSDP trace kind (for the vocabulary's collision test). */
export const MSDP_TRACE_KINDS: ReadonlySet<string> = new Set(Object.values(MSDP_K));

// BGP-4 with graceful restart, as a protocol engine for nsrsim (SPEC B-1…B-3, O-1): the
// codec (defs, attrs, update, open, message, framer), the speaker (speaker, conn, sender,
// snoop, gr, rib, table, outq), what it exposes (stats, kinds) and the contract it is built to
// (io). Start with speaker.ts's header comment.
export * from './defs.ts';
export * from './io.ts';
export * from './kinds.ts';
export * from './config.ts';
export * from './message.ts';
export * from './framer.ts';
export {
  decodeOpen,
  encodeOpenBody,
  makeOpen,
  openFacts,
  grCoversIpv4,
  type OpenFacts,
} from './open.ts';
export { decodeUpdate, encodeUpdateBody, readPrefixes, prefixBytes } from './update.ts';
export { encodeAttrs, decodeAttrs, encodeAsPath, validHost } from './attrs.ts';
export { AdjRibIn, type RibEntry, type RibRoute } from './rib.ts';
export { PeerRoutes, type PeerRoutesSnapshot, type GrTimer, type FlushReason } from './gr.ts';
export { OutboundPlan, type RouteTableConfig } from './table.ts';
export * from './stats.ts';
export { MALFORMS, malformedMessage, type Malform, type MalformCase } from './malform.ts';
export { BgpSpeaker, BGP_TIMERS, type BgpState, type BgpTimer } from './speaker.ts';
export { syncAtStart, SNOOP_HOLD_BYTES_MAX, type BgpSync } from './snoop.ts';

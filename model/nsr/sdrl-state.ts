// SDRL's part of a replicated socket (Rep.sdrl; SPEC S-1 … S-5): the send side's stream
// offsets and the outbound snoop buffer, and the named functions through which IHA (set-up),
// PSRM (the initial snapshot) and the RE kernel (the socket write hook, the backup
// application's snoop reads) change it. SDRL (sdrl.ts) writes it directly.
import { assert, assertInt } from '../../sim/index.ts';
import type { SdrlWrite } from './hooks.ts';
import type { NsrState, Rep } from './state.ts';

/** Checks the send-side offsets are ordered: acked <= sent <= sndAppended (primary). */
export function sdrlCheck(rep: Rep): void {
  const d = rep.sdrl;
  assert(rep.role === 'primary', () => `sdrlCheck: ${rep.session} is a ${rep.role}`);
  // SDRL starts at the snapshot's end (or set-up's start), and acked only grows from there.
  assert(
    d.snapOffset <= d.acked && d.acked <= d.sent && d.sent <= d.sndAppended,
    () =>
      `SDRL offsets of ${rep.session}: snapshot ${d.snapOffset}, acked ${d.acked}, sent ${d.sent}, written ${d.sndAppended}`,
  );
  assert(Number.isSafeInteger(d.sndAppended), () => `SDRL: ${rep.session} wrote ${d.sndAppended}`);
}

/** IHA set-up (I-1): the send side starts at the application's write offset. */
export function sdrlStartAt(rep: Rep, offset: number): void {
  assertInt(offset, 0, Number.MAX_SAFE_INTEGER, 'SDRL start offset');
  assert(
    rep.role === 'primary' && !rep.iha.active,
    () => `sdrlStartAt: ${rep.session} is not a primary being set up`,
  );
  const d = rep.sdrl;
  d.sndAppended = offset;
  d.sent = offset;
  d.acked = offset;
  d.snapOffset = offset;
  sdrlCheck(rep);
}

/** PSRM's snapshot (M-1): so_snd travels in the replicate message; SDRL goes on from its end. */
export function sdrlSnapshot(rep: Rep): void {
  const d = rep.sdrl;
  sdrlCheck(rep);
  d.snapOffset = d.sndAppended;
  d.sent = d.snapOffset;
  d.acked = d.snapOffset;
  sdrlCheck(rep);
}

/** PSRM applied a snapshot on the secondary: the outbound stream resumes at `appOut`. */
export function sdrlApplySnapshot(rep: Rep, appOut: number): void {
  assertInt(appOut, 0, Number.MAX_SAFE_INTEGER, 'snapshot app_out');
  assert(rep.role === 'secondary', () => `sdrlApplySnapshot: ${rep.session} is a primary`);
  assert(
    rep.sdrl.snoopOutBytes === 0,
    () => `sdrlApplySnapshot: ${rep.session} has unread snoop data`,
  );
  const d = rep.sdrl;
  d.sndAppended = appOut;
  d.snapOffset = appOut;
  d.snoopOutBase = appOut;
}

/**
 * The primary application wrote `bytes` to so_snd (the sosend hook, S-1, S-2): they are
 * counted, published to the checkers' tap, and replicated once replication is active.
 */
export function sdrlOnWrite(nsr: NsrState, rep: Rep, bytes: Uint8Array): void {
  // The hook is a primary's (installPrimaryHooks), removed before the socket leaves the
  // tables; TCP calls it only with the bytes it took (tcp/conn.ts write).
  assert(
    rep.role === 'primary' && nsr.rep(rep.handle) === rep,
    () => `sdrlOnWrite: ${rep.session} is not a replicated primary`,
  );
  assert(bytes.length > 0, () => `sdrlOnWrite: an empty write on ${rep.session}`);
  const offset = rep.sdrl.sndAppended;
  rep.sdrl.sndAppended += bytes.length;
  nsr.sent.publish(rep, offset, bytes);
  if (!rep.iha.active) return;
  const msg: SdrlWrite = { type: 'sdrl.write', handle: rep.handle };
  nsr.kernel.post(nsr.ids.sdrl, msg, nsr.costs.sdrlNs);
}

/** The backup application reads the outbound snoop buffer (S-3): hand over what is there. */
export function sdrlTakeSnoop(rep: Rep): Uint8Array[] {
  const d = rep.sdrl;
  const chunks = d.snoopOut;
  let n = 0;
  for (const c of chunks) n += c.length;
  assert(
    n === d.snoopOutBytes,
    () => `snoop buffer of ${rep.session} holds ${n} bytes, counted ${d.snoopOutBytes}`,
  );
  d.snoopOut = [];
  d.snoopOutBase += d.snoopOutBytes;
  d.snoopOutBytes = 0;
  // The snoop buffer ends where the secondary's so_snd stream does (S-3).
  assert(
    rep.role !== 'secondary' || d.snoopOutBase === d.sndAppended,
    () => `sdrlTakeSnoop: ${rep.session} read to ${d.snoopOutBase}, written ${d.sndAppended}`,
  );
  return chunks;
}

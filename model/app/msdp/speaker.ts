// The MSDP speaker of one router (or of one RE of an NSR router): the configured peers and
// their connection state machines (RFC 3618 §11), the SA cache (§4, §5.3), the SAs it
// originates as an RP (§3, §5.1-5.2), the peer-RPF check (§10) and flooding (§3). Each
// peer's session (session.ts) is bound to one TCP connection through its own ProtocolIo;
// the speaker talks to its host through a SpeakerIo.
//
// How the application-protocol layer drives it (phase 2 of issue 14):
// - Both REs build a speaker from the same configuration, with SpeakerIo Rngs of the same
//   seed and name (sources.ts). The master RE calls start('master'): lower-address peers
//   get io.connect() (ConnectRetry armed), higher-address ones are listened for (SPEC
//   D-1, connectionRole()). The backup RE calls start('backup'): it never connects.
// - When a connection with peer P is up, attach(P, io) gives its session; the layer calls
//   start('active') on the master, start('snoop') (or resume(sync) for a late joiner) on
//   the backup's replicated socket, then feeds input / snoopIn / snoopOut.
// - On failover the layer first drains every session's snoop buffers (both directions, all
//   sessions), then calls takeover() on each session, then becomeMaster() on the speaker
//   (which starts the FSM of peers that had no session). The order matters: whether the
//   old master already forwarded an SA on one socket is known only once the backup has
//   read its arrival on another; a session that took over early would forward it again.
//   takeover() writes at once (the rest of a half-written TLV, then what the dead master
//   still owed), so the session's io must already write to the socket when it is called.
//
// Both REs keep their own timers (seed 003 §2.3): SA-State timers (one sweep timer at the
// earliest expiry), the SA-Advertisement slot timer (origination is written only on
// active sessions, so the backup's firings send nothing), ConnectRetry per peer.
import type { Ipv4 } from '../../net/segment.ts';
import { ipv4ToString } from '../../net/segment.ts';
import { SaCache, type SaCacheEntry, type SaKey } from './cache.ts';
import { SA_ENTRIES_MAX, packSa, type SaMessage, type SaPair } from './codec.ts';
import {
  connectionRole,
  msdpConfigProblems,
  timersOf,
  type ConnectionRole,
  type MsdpConfig,
  type MsdpMutant,
  type MsdpTimers,
} from './defs.ts';
import type { EngineMode, ProtocolIo, SpeakerIo } from './io.ts';
import { MSDP_K } from './kinds.ts';
import { peerRpfCheck, rpfPeer } from './rpf.ts';
import { MsdpSession, newPeerCounters, type PeerCounters, type SessionOwner } from './session.ts';
import { SourceSchedule } from './sources.ts';

/** RFC 3618 §11 states; 'disabled' until start(). */
export type PeerState = 'disabled' | 'inactive' | 'listen' | 'connecting' | 'established';
export type SpeakerRole = 'idle' | 'master' | 'backup';

export const SPEAKER_TIMER = {
  advertisement: 'msdp.sa-advert',
  saState: 'msdp.sa-state',
  connectRetryPrefix: 'msdp.connect-retry/',
} as const;

interface PeerSlot {
  readonly addr: Ipv4;
  readonly role: ConnectionRole;
  state: PeerState;
  session: MsdpSession | undefined;
  retryTimer: number;
  readonly counters: PeerCounters;
}

/** What checkers and outcome figures read about one peer. */
export interface PeerView {
  peer: Ipv4;
  role: ConnectionRole;
  state: PeerState;
  mode: EngineMode | 'none';
  counters: PeerCounters;
}

export class MsdpSpeaker implements SessionOwner {
  readonly timers: MsdpTimers;
  readonly ownRp: Ipv4 | undefined;
  role: SpeakerRole = 'idle';
  private readonly slots = new Map<Ipv4, PeerSlot>();
  private readonly retryTags = new Map<string, PeerSlot>();
  private readonly cache = new SaCache();
  private readonly schedule: SourceSchedule | undefined;
  private readonly mutants: ReadonlySet<MsdpMutant>;
  private readonly perTlv: number;
  private advertTimer = -1;
  /** The slot instant the advertisement timer is armed for. */
  private advertAtNs = 0;
  private sweepTimer = -1;

  constructor(
    readonly cfg: MsdpConfig,
    private readonly io: SpeakerIo,
  ) {
    const problems = msdpConfigProblems(cfg);
    if (problems.length > 0) throw new Error(`msdp config: ${problems.join('; ')}`);
    this.timers = timersOf(cfg);
    this.mutants = new Set(cfg.mutants ?? []);
    this.perTlv = cfg.saEntriesPerTlv ?? SA_ENTRIES_MAX;
    this.ownRp = cfg.origination?.rp;
    const o = cfg.origination;
    this.schedule =
      o === undefined
        ? undefined
        : new SourceSchedule(o, this.timers.saAdvertisementNs, this.timers.slotNs, io.rng);
    for (const addr of cfg.peers) {
      const slot: PeerSlot = {
        addr,
        role: connectionRole(cfg.local, addr),
        state: 'disabled',
        session: undefined,
        retryTimer: -1,
        counters: newPeerCounters(),
      };
      this.slots.set(addr, slot);
      this.retryTags.set(SPEAKER_TIMER.connectRetryPrefix + ipv4ToString(addr), slot);
    }
  }

  // ------------------------------------------------------------------ host surface

  /** Starts the speaker on the master RE (peerings come up) or on the backup (it waits). */
  start(role: 'master' | 'backup'): void {
    if (this.role !== 'idle') throw new Error('msdp speaker: start() twice');
    this.role = role;
    if (this.schedule !== undefined)
      this.armAdvertisement(this.schedule.nextSlot(this.io.now() - 1));
    for (const slot of this.slots.values()) {
      this.setState(slot, 'inactive');
      if (role === 'master') this.enterFsm(slot);
    }
  }

  /** Failover: this RE's speaker is now the master's; peers without a session come up. */
  becomeMaster(): void {
    if (this.role === 'master') return;
    this.role = 'master';
    for (const slot of this.slots.values())
      if (slot.session === undefined || !slot.session.established) this.enterFsm(slot);
  }

  /** A connection with `peer` is up: its session, to be started by the layer. */
  attach(peer: Ipv4, io: ProtocolIo): MsdpSession {
    const slot = this.slots.get(peer);
    if (slot === undefined) throw new Error(`msdp: attach() for unconfigured peer ${peer}`);
    if (slot.session !== undefined && slot.session.state !== 'closed')
      throw new Error(`msdp: attach() for ${ipv4ToString(peer)}, which has a live session`);
    const s = new MsdpSession(peer, this, io, slot.counters, this.timers, this.mutants);
    slot.session = s;
    return s;
  }

  onTimer(tag: string): void {
    if (tag === SPEAKER_TIMER.advertisement) return this.advertise();
    if (tag === SPEAKER_TIMER.saState) return this.sweep();
    const slot = this.retryTags.get(tag);
    if (slot === undefined) throw new Error(`msdp speaker: unknown timer ${tag}`);
    slot.retryTimer = -1;
    if (slot.state !== 'connecting') return;
    // RFC 3618 §5.6: retry the active open and re-arm.
    slot.counters.connectRetries++;
    this.io.trace(MSDP_K.connectRetry, { peer: ipv4ToString(slot.addr) });
    this.connect(slot);
  }

  /** Host going away (crash, deconfiguration): cancels the speaker's own timers. */
  shutdown(): void {
    for (const t of [this.advertTimer, this.sweepTimer]) if (t >= 0) this.io.cancelTimer(t);
    this.advertTimer = this.sweepTimer = -1;
    for (const slot of this.slots.values()) this.cancelRetry(slot);
  }

  // ------------------------------------------------------------------ readouts

  /** The SA cache, sorted by (RP, group, source) (SPEC D-4). */
  saCache(): SaCacheEntry[] {
    return this.cache.sorted();
  }

  /** Peers in configuration order with state, session mode and counters (copies). */
  peerViews(): PeerView[] {
    return [...this.slots.values()].map((s) => ({
      peer: s.addr,
      role: s.role,
      state: s.state,
      mode: s.session !== undefined && s.session.established ? s.session.mode : 'none',
      counters: { ...s.counters },
    }));
  }

  session(peer: Ipv4): MsdpSession | undefined {
    return this.slots.get(peer)?.session;
  }

  /** This RP's active local sources at `t` (default now), as cache-comparable keys. */
  localActive(t = this.io.now()): SaKey[] {
    const sch = this.schedule;
    const rp = this.ownRp;
    if (sch === undefined || rp === undefined) return [];
    return sch.activeAt(t).map((i) => ({ rp, ...sch.source(i) }));
  }

  // ------------------------------------------------------------------ SessionOwner

  sessionUp(s: MsdpSession): void {
    const slot = this.slotOf(s);
    if (slot.session !== s) throw new Error(`msdp: ${s.peerName} came up but is not attached`);
    this.cancelRetry(slot);
    this.setState(slot, 'established');
    // Active: announce every active local source at once, not at its next slot (FRR does
    // the same; RFC 3618 §5.1 asks for SAs of new sources without delay).
    if (s.mode === 'active') for (const tlv of this.ownBatch(this.localIndices())) s.send(tlv);
  }

  sessionDown(s: MsdpSession, reason: string): void {
    const slot = this.slotOf(s);
    if (slot.session !== s) return;
    this.setState(slot, 'inactive', reason);
    // RFC 3618 §11: from INACTIVE the address comparison leads straight back to
    // CONNECTING (active open, ConnectRetry armed) or LISTEN. The backup waits.
    if (this.role === 'master') this.enterFsm(slot);
  }

  saIn(s: MsdpSession, m: SaMessage): void {
    if (s.mode === 'snoop' && this.mutants.has('snoop-deaf')) return;
    const v = peerRpfCheck(this.cfg.rpf, m.rp, s.peer, this.ownRp);
    if (!v.ok) {
      s.counters.rpfFailures++;
      this.io.trace(MSDP_K.rpfFail, {
        peer: s.peerName,
        rp: ipv4ToString(m.rp),
        reason: v.reason,
        ...(v.expected === undefined ? {} : { expected: ipv4ToString(v.expected) }),
      });
      return;
    }
    this.learn(m.rp, m.entries, s.peer);
    if (m.entries.length > 0) this.flood(m.rp, m.entries, s.peer);
  }

  saOutUnexpected(s: MsdpSession, m: SaMessage): void {
    if (this.mutants.has('snoop-deaf')) return;
    if (m.rp === this.ownRp) {
      // Only the 'snoop-caches-own' mutant gets here with its own SAs.
      this.learn(m.rp, m.entries, s.peer);
      return;
    }
    // The master forwarded an SA the backup did not see arrive (it joined late, or the
    // arrival is still in flight): the master accepted it from its RPF peer for the RP.
    const from = this.slots.has(m.rp) ? m.rp : rpfPeer(this.cfg.rpf, m.rp);
    if (from === undefined || from === s.peer) {
      s.counters.rpfFailures++;
      this.io.trace(MSDP_K.rpfFail, {
        peer: s.peerName,
        rp: ipv4ToString(m.rp),
        reason: 'outbound-unexplained',
      });
      return;
    }
    this.learn(m.rp, m.entries, from);
  }

  completionCandidates(s: MsdpSession): Uint8Array[] {
    const sch = this.schedule;
    if (sch === undefined) return [];
    const now = this.io.now();
    const out: Uint8Array[] = [];
    // The periodic batches of the last period, newest first, and the burst of the
    // session's start (if it was snooped from its beginning).
    const last = sch.nextSlot(now) - sch.slotNs;
    for (let t = last; t > now - sch.periodNs && t >= 0; t -= sch.slotNs)
      out.push(...this.ownBatch(sch.dueAt(t)));
    out.push(...this.ownBatch(sch.activeAt(s.startedNs)));
    return out;
  }

  catchUpOriginations(s: MsdpSession): Uint8Array[] {
    const sch = this.schedule;
    const ledger = s.ledger;
    if (sch === undefined || ledger === undefined) return [];
    const now = this.io.now();
    const missed: number[] = [];
    for (const i of sch.activeAt(now)) {
      const due = sch.lastDue(i, now);
      if (due === undefined || due <= ledger.sinceNs) continue;
      const seen = ledger.ownLastSeen(sch.source(i));
      if (seen === undefined || seen < due) missed.push(i);
    }
    return this.ownBatch(missed);
  }

  // ------------------------------------------------------------------ internals

  private slotOf(s: MsdpSession): PeerSlot {
    const slot = this.slots.get(s.peer);
    if (slot === undefined) throw new Error(`msdp: session for unconfigured peer ${s.peer}`);
    return slot;
  }

  private setState(slot: PeerSlot, state: PeerState, reason?: string): void {
    if (slot.state === state) return;
    const from = slot.state;
    slot.state = state;
    this.io.trace(MSDP_K.state, {
      peer: ipv4ToString(slot.addr),
      from,
      to: state,
      ...(reason === undefined ? {} : { reason }),
    });
  }

  /** RFC 3618 §11 from INACTIVE: the lower address connects, the higher listens (D-1). */
  private enterFsm(slot: PeerSlot): void {
    if (slot.role === 'listen') return this.setState(slot, 'listen');
    this.setState(slot, 'connecting');
    this.connect(slot);
  }

  private connect(slot: PeerSlot): void {
    this.cancelRetry(slot);
    const tag = SPEAKER_TIMER.connectRetryPrefix + ipv4ToString(slot.addr);
    slot.retryTimer = this.io.startTimer(tag, this.timers.connectRetryNs);
    this.io.trace(MSDP_K.connect, { peer: ipv4ToString(slot.addr) });
    this.io.connect(slot.addr);
  }

  private cancelRetry(slot: PeerSlot): void {
    if (slot.retryTimer >= 0) this.io.cancelTimer(slot.retryTimer);
    slot.retryTimer = -1;
  }

  /** Caches accepted entries (new ones traced) and makes sure the sweep timer runs. */
  private learn(rp: Ipv4, entries: readonly SaPair[], from: Ipv4): void {
    const now = this.io.now();
    for (const e of entries) {
      const r = this.cache.upsert(rp, e, from, now, this.timers.sgStateNs);
      if (r === 'refresh') continue;
      const fields = {
        rp: ipv4ToString(rp),
        group: ipv4ToString(e.group),
        source: ipv4ToString(e.source),
      };
      this.io.trace(r === 'new' ? MSDP_K.saNew : MSDP_K.saCacheFull, {
        ...fields,
        peer: ipv4ToString(from),
      });
    }
    if (this.sweepTimer < 0) this.armSweep();
  }

  /**
   * RFC 3618 §3: an accepted SA goes to every other established peer (not back to the
   * peer it came from, nor to its originator). Active sessions write it; snooping ones
   * note that their master owes it (ledger.ts).
   */
  private flood(rp: Ipv4, entries: readonly SaPair[], from: Ipv4): void {
    const tlvs = packSa(rp, entries, this.perTlv);
    for (const slot of this.slots.values()) {
      const x = slot.session;
      if (x === undefined || !x.established || slot.addr === from || slot.addr === rp) continue;
      for (const tlv of tlvs)
        if (x.mode === 'active') x.send(tlv);
        else x.expectForward(tlv);
    }
  }

  private localIndices(): number[] {
    return this.schedule === undefined ? [] : this.schedule.activeAt(this.io.now());
  }

  /** SA TLVs announcing local sources `indices` (RFC 3618 §5.2: packed, 255 a TLV). */
  private ownBatch(indices: readonly number[]): Uint8Array[] {
    const sch = this.schedule;
    const rp = this.ownRp;
    if (sch === undefined || rp === undefined || indices.length === 0) return [];
    return packSa(
      rp,
      indices.map((i) => sch.source(i)),
      this.perTlv,
    );
  }

  private armAdvertisement(at: number): void {
    this.advertAtNs = at;
    this.advertTimer = this.io.startTimer(SPEAKER_TIMER.advertisement, at - this.io.now());
  }

  /** RFC 3618 §5.1-5.2: the sources due in this slot, to every active session. */
  private advertise(): void {
    const sch = this.schedule;
    this.advertTimer = -1;
    if (sch === undefined) return;
    const t = this.advertAtNs;
    for (const i of sch.changedBetween(t - sch.slotNs, t)) {
      const up = sch.upSince(i, t) !== undefined;
      const src = sch.source(i);
      this.io.trace(MSDP_K.source, {
        source: ipv4ToString(src.source),
        group: ipv4ToString(src.group),
        up,
      });
    }
    const tlvs = this.ownBatch(sch.dueAt(t));
    if (tlvs.length > 0)
      for (const slot of this.slots.values()) {
        const s = slot.session;
        if (s !== undefined && s.established && s.mode === 'active')
          for (const b of tlvs) s.send(b);
      }
    this.armAdvertisement(t + sch.slotNs);
  }

  private armSweep(): void {
    const next = this.cache.nextExpiry();
    if (next === undefined) return;
    this.sweepTimer = this.io.startTimer(SPEAKER_TIMER.saState, Math.max(0, next - this.io.now()));
  }

  /** RFC 3618 §5.3: entries whose SA-State timer ran out leave the cache. */
  private sweep(): void {
    this.sweepTimer = -1;
    for (const e of this.cache.expire(this.io.now()))
      this.io.trace(MSDP_K.saExpire, {
        rp: ipv4ToString(e.rp),
        group: ipv4ToString(e.group),
        source: ipv4ToString(e.source),
        peer: ipv4ToString(e.peer),
      });
    this.armSweep();
  }
}

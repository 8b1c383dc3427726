// msdp-adjacency (SPEC D-4, G-9; RFC 3618 §11): no MSDP peer ever sees its adjacency with
// the router drop, whatever happens to the router's REs (NSR switchover, master crash):
// on a peer, no session leaving ESTABLISHED (msdp.down), no Hold timer expiry and no
// ConnectRetry; on the router, no Hold timer expiry. The one legitimate drop is the
// router's own reset of a session that sent it a malformed TLV (RFC 3618 §13, D-8): the
// active RE's msdp.down with reason format-error explains the peer's drop that follows.
import type { Report, SafetyCheck, TraceRecord } from '../../sim/index.ts';
import { ipv4ToString } from '../net/segment.ts';
import type { World } from '../world.ts';
import { actorInfo, K } from '../vocab.ts';

export const MSDP_ADJACENCY = 'msdp-adjacency';

/** A peer's drop this soon after the router reset it for a format error is that reset. */
const EXPLAINED_NS = 1_000_000_000;
const KINDS: ReadonlySet<string> = new Set([K.msdp.down, K.msdp.holdExpired, K.msdp.connectRetry]);

export class MsdpAdjacencyCheck implements SafetyCheck {
  readonly id = MSDP_ADJACENCY;
  /** The only kinds onRecord reads (issue 18: no call for the others). */
  readonly kinds: ReadonlySet<string> = KINDS;
  /** Peer name by address (the router's records name the peer by address). */
  private readonly names = new Map<string, string>();
  /** When the router last reset each peer (by name) for a format error. */
  private readonly resetFor = new Map<string, number>();

  constructor(world: World) {
    for (const p of world.peers) this.names.set(ipv4ToString(p.addr), p.cfg.name);
  }

  onRecord(rec: TraceRecord, report: Report): void {
    if (!KINDS.has(rec.kind)) return;
    const info = actorInfo(rec.actor);
    if (info.box === 're') return this.onRouter(rec, report);
    if (info.box !== 'peer') return;
    const f = rec.fields;
    switch (rec.kind) {
      case K.msdp.down: {
        const at = this.resetFor.get(info.peer);
        if (at !== undefined && rec.t - at <= EXPLAINED_NS && f.reason !== 'format-error') return;
        return this.fire(rec, report, info.peer, `its session went down (${String(f.reason)})`);
      }
      case K.msdp.holdExpired:
        return this.fire(rec, report, info.peer, 'its Hold timer expired (RFC 3618 §5.4)');
      case K.msdp.connectRetry:
        return this.fire(rec, report, info.peer, 'it retried its connection (RFC 3618 §5.6)');
      default:
        return;
    }
  }

  private onRouter(rec: TraceRecord, report: Report): void {
    const f = rec.fields;
    const peer = this.names.get(String(f.peer)) ?? String(f.peer);
    if (rec.kind === K.msdp.down && f.mode === 'active' && f.reason === 'format-error')
      this.resetFor.set(peer, rec.t);
    if (rec.kind === K.msdp.holdExpired)
      this.fire(rec, report, peer, "the router's Hold timer for it expired (RFC 3618 §5.4)");
  }

  private fire(rec: TraceRecord, report: Report, peer: string, what: string): void {
    report({
      recordId: rec.id,
      timeNs: rec.t,
      message: `MSDP peer ${peer}'s adjacency dropped: ${what}`,
      // The record's own `peer` field is the other end's address (the router's on a peer's
      // record, the peer's on the router's): kept as remoteAddress, so `peer` stays the name.
      evidence: {
        ...rec.fields,
        remoteAddress: rec.fields.peer,
        peer,
        actor: rec.actor,
        kind: rec.kind,
      },
    });
  }
}

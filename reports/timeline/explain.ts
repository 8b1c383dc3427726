// Violations first (SPEC V-2): for each violation, the chain of records that led to it
// (its cause, that record's cause, …, as far as the window reaches) and a plain
// explanation, "Let … then …", of what the primary and the secondary (and the peer, the
// PFE, a link) each did, built from the records that share the violation's session (and
// packet, when the evidence names one), ending with the checker's own message.
import type { TraceRecord } from '../../sim/index.ts';
import { K, actorInfo } from '../../model/vocab.ts';
import type { RecordIndex } from './messages.ts';
import { masterAt, type Strip } from './states.ts';

/** Causes followed back at most (a chain through timers can reach the run's start). */
export const CHAIN_MAX = 400;
/** Records a story tells at most. */
const STORY_MAX = 8;

export interface ViolationInput {
  readonly check: string;
  readonly timeNs: number;
  readonly recordId: number;
  readonly message: string;
  readonly evidence: Readonly<Record<string, unknown>> | undefined;
}

/** A piece of an explanation: text, or text that refers to a record. */
export type StoryPart = string | { readonly id: number; readonly text: string };

export interface Explained extends ViolationInput {
  readonly inWindow: boolean;
  readonly story: StoryPart[];
  /** The violation's record, its cause, that one's cause, … (ids inside the window). */
  readonly chain: number[];
  /** The first cause outside the window (-1 when the chain ends at a root). */
  readonly chainBeyond: number;
  /** The records the story tells of. */
  readonly related: number[];
}

/** Kinds worth telling when the evidence names a session but no packet. */
const NOTABLE: ReadonlySet<string> = new Set<string>([
  ...Object.values(K.iha),
  ...Object.values(K.app),
  K.psrm.failover,
  K.psrm.replicate,
  K.psrm.reject,
  K.psrm.timeout,
  K.prl.drop,
  K.prl.nack,
  K.prl.nackSent,
  K.prl.timeout,
  K.prl.release,
  K.sdrl.gap,
  K.sdrl.outOfOrder,
  K.nsr.replicationError,
  K.tcp.rstReceived,
  K.tcp.rstSent,
  K.tcp.timeout,
  K.tcp.rto,
  K.tcp.rcvSpaceDrop,
  K.re.socketFailover,
]);

type Phrase = (f: Readonly<Record<string, unknown>>) => string;
const s = (v: unknown): string => (v === undefined ? '?' : String(v));

/** What a record's actor did, as a verb phrase in the base form ("queue packet 3 …"). */
const PHRASES: ReadonlyMap<string, Phrase> = new Map<string, Phrase>([
  [K.prl.queue, (f) => `queue packet ${s(f.seq)} (${s(f.len)} B) for replication`],
  [K.prl.pending, (f) => `hold packet ${s(f.seq)} while replication is set up`],
  [K.prl.l4, (f) => `pass packet ${s(f.seq)} up to TCP (L4)`],
  [K.prl.nackSent, (f) => `NACK packet ${s(f.seq)} (${s(f.reason)})`],
  [K.prl.nack, (f) => `receive the NACK of packet ${s(f.seq)} (${s(f.reason)})`],
  [K.prl.drop, (f) => `drop packet ${s(f.seq)} (${s(f.reason)})`],
  [K.prl.timeout, () => 'time out waiting for the secondary (PRL timeout)'],
  [K.prl.release, () => 'release its PRL queue'],
  [K.prl.flush, (f) => `flush ${s(f.packets)} held packets to replication`],
  [K.psrm.replicate, () => 'replicate the TCP state (PSRM)'],
  [K.psrm.applied, () => 'apply the replicated TCP state'],
  [
    K.psrm.window,
    (f) => `learn the secondary's space ${s(f.space)} (common_rcvbufspc ${s(f.common)})`,
  ],
  [K.psrm.failover, (f) => `fail the socket over in ${s(f.state)} (rcv_nxt ${s(f.rcv_nxt)})`],
  [K.iha.setup, (f) => `start replicating ${s(f.session)}`],
  [K.app.attach, (f) => `attach its application to ${s(f.session)}`],
  [K.app.snoop, (f) => `start snooping ${s(f.session)} (the backup application)`],
  [K.iha.active, (f) => `mark ${s(f.session)} replicated (active)`],
  [K.iha.failover, (f) => `take over ${s(f.session)}`],
  [K.iha.cleanupSocket, (f) => `tear down replication of ${s(f.session)} (${s(f.reason)})`],
  [
    K.app.takeover,
    (f) => `take the application over at in ${s(f.inOffset)}, out ${s(f.outOffset)}`,
  ],
  [K.app.verifyError, (f) => `find a ${s(f.kind)} in the stream at byte ${s(f.offset)}`],
  [K.app.closed, (f) => `close the session (${s(f.reason)})`],
  [K.app.stall, () => 'stall the application'],
  [K.sdrl.inflight, (f) => `replicate outgoing data up to byte ${s(f.offset)}`],
  [K.sdrl.gap, (f) => `find a gap in outgoing data at ${s(f.offset)}`],
  [K.tcp.rstReceived, () => 'receive a reset'],
  [K.tcp.rstSent, () => 'send a reset'],
  [K.tcp.retransmit, (f) => `retransmit seq ${s(f.seq)}`],
  [K.tcp.rto, (f) => `time out (RTO, backoff ${s(f.shift)})`],
  [K.tcp.state, (f) => `move from ${s(f.from)} to ${s(f.to)}`],
  [K.tcp.rcvSpaceDrop, () => 'drop a segment for lack of receive space'],
  [K.pfe.drop, (f) => `drop a packet (${s(f.reason)})`],
  [K.pfe.suppress, (f) => `suppress a packet from RE${s(f.re)}`],
  [K.pfe.switch, (f) => `switch mastership to RE${s(f.to)}`],
  [K.link.drop, (f) => `lose a packet (${s(f.reason)})`],
  [K.chassis.fault, (f) => `inject the fault ${s(f.kind)}`],
  [K.re.role, (f) => `become ${s(f.to)}`],
  [K.sim.actorStop, (f) => `stop (${s(f.reason)})`],
  [K.nsr.replicationError, (f) => `report a replication error (${s(f.reason)})`],
  [K.check.violation, () => 'record the violation'],
]);

/** "queue packet …" → "queues packet …" (third person of the leading verb). */
export function thirdPerson(phrase: string): string {
  const sp = phrase.indexOf(' ');
  const verb = sp < 0 ? phrase : phrase.slice(0, sp);
  const rest = sp < 0 ? '' : phrase.slice(sp);
  if (/(s|sh|ch|x)$/.test(verb)) return `${verb}es${rest}`;
  if (/[^aeiou]y$/.test(verb)) return `${verb.slice(0, -1)}ies${rest}`;
  return `${verb}s${rest}`;
}

/** Who did it: "the primary (RE0 PRL)", "peer pa", "the PFE", "link wire-pa". */
export function who(r: TraceRecord, strips: readonly Strip[], nsr = true): string {
  const info = actorInfo(r.actor);
  switch (info.box) {
    case 're': {
      const sub = info.subsystem === 'kernel' ? 'kernel' : info.subsystem.toUpperCase();
      const master = masterAt(strips, r.t) === info.re;
      // Without NSR nothing is replicated: an RE is the master or the backup.
      const role =
        r.fields.role === 'primary' || r.fields.role === 'secondary'
          ? r.fields.role
          : nsr
            ? master
              ? 'primary'
              : 'secondary'
            : master
              ? 'master'
              : 'backup';
      return `the ${role} (RE${info.re} ${sub})`;
    }
    case 'peer':
      return `peer ${info.peer}`;
    case 'link':
      return `link ${info.link}`;
    case 'pfe':
      return 'the PFE';
    case 'chassis':
      return 'the chassis';
    case 'check':
      return 'the checker';
    default:
      return r.actor;
  }
}

function chainOf(idx: RecordIndex, id: number): { chain: number[]; beyond: number } {
  const chain: number[] = [];
  let cur = idx.get(id);
  while (cur !== undefined && chain.length < CHAIN_MAX) {
    chain.push(cur.id);
    if (cur.cause < 0) return { chain, beyond: -1 };
    const next = idx.get(cur.cause);
    if (next === undefined) return { chain, beyond: cur.cause };
    cur = next;
  }
  return { chain, beyond: cur?.id ?? -1 };
}

function relatedOf(idx: RecordIndex, v: ViolationInput): TraceRecord[] {
  const ev = v.evidence ?? {};
  const session = ev.session;
  const seq = typeof ev.seq === 'number' ? ev.seq : undefined;
  const upTo = v.recordId >= 0 ? v.recordId : Infinity;
  const hits = idx.records.filter(
    (r) =>
      r.id <= upTo &&
      r.t <= v.timeNs &&
      r.kind !== K.sim.send &&
      session !== undefined &&
      r.fields.session === session &&
      (seq === undefined ? NOTABLE.has(r.kind) : r.fields.seq === seq),
  );
  const own = idx.get(v.recordId);
  if (own !== undefined && !hits.includes(own)) hits.push(own);
  const told = hits.slice(-STORY_MAX);
  // The last fault before the violation is part of the story, in its place.
  let fault: TraceRecord | undefined;
  for (const r of idx.records)
    if (r.kind === K.chassis.fault && r.t <= v.timeNs && r.id <= upTo) fault = r;
  if (fault !== undefined && !told.includes(fault)) told.push(fault);
  return told.sort((a, b) => a.id - b.id).slice(-STORY_MAX);
}

function story(
  related: readonly TraceRecord[],
  v: ViolationInput,
  strips: readonly Strip[],
  nsr: boolean,
): StoryPart[] {
  const parts: StoryPart[] = [];
  related.forEach((r, i) => {
    const base = (PHRASES.get(r.kind) ?? (() => `record ${r.kind}`))(r.fields);
    const clause =
      i === 0
        ? `Let ${who(r, strips, nsr)} ${base}`
        : `then ${who(r, strips, nsr)} ${thirdPerson(base)}`;
    parts.push(i === 0 ? '' : '; ', { id: r.id, text: clause });
  });
  parts.push(related.length === 0 ? '' : '. ', `${v.check}: ${v.message}`);
  return parts.filter((p) => p !== '');
}

/** Explains every violation against a window's records. */
export function explain(
  vs: readonly ViolationInput[],
  idx: RecordIndex,
  strips: readonly Strip[],
  nsr = true,
): Explained[] {
  return vs.map((v) => {
    const { chain, beyond } = chainOf(idx, v.recordId);
    const related = relatedOf(idx, v);
    return {
      ...v,
      inWindow: idx.get(v.recordId) !== undefined,
      story: story(related, v, strips, nsr),
      chain,
      chainBeyond: v.recordId >= 0 && chain.length === 0 ? v.recordId : beyond,
      related: related.map((r) => r.id),
    };
  });
}

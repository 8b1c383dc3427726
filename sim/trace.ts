// The trace: the contract between the simulation and everything that looks at it
// (checkers, reports, determinism hashes; GUIDE §1). Every record has a stable id (its
// position in the run), the simulated time, the id of the record that caused it, the
// actor, a kind and JSON-safe fields. The trace hash is SHA-256 over the records' canonical
// binary form (trace-codec.ts, trace format 2), hashed as the run goes; a record's JSON
// form (keys sorted at every level: the NDJSON file reports/trace-file.ts writes) is
// rendered only for a consumer that asks for lines.
import { sha256 } from '@noble/hashes/sha2.js';
import { assert } from './assert.ts';
import { RecordEncoder } from './trace-codec.ts';

export type Fields = Readonly<Record<string, unknown>>;

export interface TraceRecord {
  readonly id: number;
  readonly t: number;
  /** Id of the record that caused this one, or -1 for a root cause (scenario set-up). */
  readonly cause: number;
  readonly actor: string;
  readonly kind: string;
  readonly fields: Fields;
}

export interface TraceSink {
  /** True when the sink needs each record's canonical line (a file writer). */
  readonly wantsLines?: boolean;
  write(rec: TraceRecord, line: string | undefined): void;
  close?(): void;
}

/** Keeps every record in memory (tests, reports, checkers that look back). */
export class MemorySink implements TraceSink {
  readonly records: TraceRecord[] = [];
  write(rec: TraceRecord): void {
    const last = this.records[this.records.length - 1];
    assert(
      last === undefined || rec.id > last.id,
      () => `MemorySink: record ${rec.id} after ${last?.id}`,
    );
    this.records.push(rec);
  }
}

/**
 * An incremental SHA-256. sim/ imports no node: module (GUIDE §1), so the default is
 * @noble/hashes' audited pure-JS SHA-256; the entry side may hand in node:crypto's,
 * which is ten times faster and gives the same digest (test/reports/trace-file.test.ts).
 * SHA-256 stays (rather than a faster non-cryptographic hash): the recorded hashes are
 * checked across machines and versions, node:crypto's is hardware-accelerated, and with
 * the binary form it is a few percent of a run.
 */
export interface TraceHasher {
  /** Feeds bytes; the array is only valid during the call. */
  update(bytes: Uint8Array): void;
  /** Lowercase hex digest of everything so far; the hasher stays usable. */
  digest(): string;
}

export type HasherFactory = () => TraceHasher;

/** The portable default: @noble/hashes SHA-256. */
export const nobleSha256: HasherFactory = () => {
  const h = sha256.create();
  return {
    update: (bytes) => void h.update(bytes),
    digest: () => toHex(h.clone().digest()),
  };
};

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX[b] as string;
  assert(
    out.length === 2 * bytes.length,
    () => `toHex: ${out.length} digits for ${bytes.length} bytes`,
  );
  return out;
}

/** JSON with object keys sorted at every level; Uint8Array becomes lowercase hex. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`trace: non-finite number ${value}`);
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value instanceof Uint8Array) return `"${toHex(value)}"`;
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`trace: value of type ${typeof value} is not JSON-safe`);
  }
}

export function recordLine(rec: TraceRecord): string {
  const line = `${canonicalJson(rec)}\n`;
  // NDJSON: JSON escapes every newline inside strings, so the only one ends the line.
  assert(line.indexOf('\n') === line.length - 1, () => `trace: record ${rec.id} spans lines`);
  return line;
}

export type RecordListener = (rec: TraceRecord) => void;

export class Trace {
  private nextId = 0;
  private readonly sinks: TraceSink[] = [];
  private readonly listeners: Array<{
    readonly fn: RecordListener;
    readonly kinds: ReadonlySet<string> | undefined;
  }> = [];
  /**
   * Per record kind, the listeners offered it, in the order they were added: made once per
   * kind (emptied when a listener is added). Most records (a message sent) interest only
   * the listeners that read every kind: the others are not called for them (issue 18).
   */
  private readonly byKind = new Map<string, RecordListener[]>();
  private filterKinds = true;
  private hash: TraceHasher | undefined;
  private encoder: RecordEncoder | undefined;
  private needLines = false;
  /** True when anything consumes records; when false, emit() only advances the id. */
  active = false;

  constructor(opts: { hash?: boolean; hasher?: HasherFactory } = {}) {
    if (opts.hash === true) {
      const h = (opts.hasher ?? nobleSha256)();
      this.hash = h;
      this.encoder = new RecordEncoder((bytes) => h.update(bytes));
    }
    this.refresh();
  }

  addSink(sink: TraceSink): void {
    assert(!this.sinks.includes(sink), 'Trace.addSink: the sink is added already');
    this.sinks.push(sink);
    this.refresh();
    assert(this.active, 'Trace.addSink: a trace with a sink is active');
  }

  /**
   * `kinds`: the record kinds the listener reads, the only ones it is offered (undefined:
   * every record). A listener declares them only if it ignores every other kind.
   */
  addListener(fn: RecordListener, kinds?: ReadonlySet<string>): void {
    assert(
      !this.listeners.some((l) => l.fn === fn),
      'Trace.addListener: the listener is added already',
    );
    this.listeners.push({ fn, kinds });
    this.byKind.clear();
    this.refresh();
    assert(this.active, 'Trace.addListener: a trace with a listener is active');
  }

  /** Number of records emitted so far (also the id of the next one). */
  get count(): number {
    return this.nextId;
  }

  /** Reserves an id without building a record (inactive trace, hot path). */
  skip(): number {
    assert(!this.active, 'Trace.skip on an active trace would hide a record from its consumers');
    return this.nextId++;
  }

  emit(t: number, cause: number, actor: string, kind: string, fields: Fields): number {
    const id = this.nextId++;
    // A record is caused by an earlier one (or is a root, -1) and happens at a real instant.
    assert(
      cause >= -1 && cause < id && Number.isSafeInteger(t) && t >= 0,
      () => `trace: record ${id} (${kind}) at ${t} caused by ${cause}`,
    );
    assert(kind.length > 0 && actor.length > 0, () => `trace: record ${id} has no kind or actor`);
    if (!this.active) return id;
    this.encoder?.record(id, t, cause, actor, kind, fields);
    // The list of this kind as it is now: a listener added while the record is being
    // handed round is offered the next record, not this one.
    const listeners = this.listenersOf(kind);
    if (listeners.length === 0 && this.sinks.length === 0) return id;
    const rec: TraceRecord = { id, t, cause, actor, kind, fields };
    const line = this.needLines ? recordLine(rec) : undefined;
    for (const s of this.sinks) s.write(rec, line);
    for (const l of listeners) l(rec);
    return id;
  }

  /**
   * Off: every record is offered to every listener, whatever kinds it declared (tests
   * check that a listener's kinds are all it reads: the run must not change).
   */
  setKindFilter(on: boolean): void {
    this.filterKinds = on;
    this.byKind.clear();
  }

  private listenersOf(kind: string): readonly RecordListener[] {
    let list = this.byKind.get(kind);
    if (list === undefined) {
      list = this.listeners
        .filter((l) => !this.filterKinds || l.kinds === undefined || l.kinds.has(kind))
        .map((l) => l.fn);
      this.byKind.set(kind, list);
    }
    return list;
  }

  /** Hex SHA-256 of the canonical trace so far (undefined when hashing is off). */
  digest(): string | undefined {
    this.encoder?.flush();
    const d = this.hash?.digest();
    // An injected hasher must give what the default does: 64 lowercase hex digits.
    assert(
      d === undefined || /^[0-9a-f]{64}$/.test(d),
      () => `trace digest "${d}" is not SHA-256 hex`,
    );
    return d;
  }

  close(): void {
    for (const s of this.sinks) s.close?.();
  }

  private refresh(): void {
    this.needLines = this.sinks.some((s) => s.wantsLines === true);
    this.active = this.hash !== undefined || this.sinks.length > 0 || this.listeners.length > 0;
    assert(
      !this.needLines || this.active,
      'Trace: lines are needed by a consumer, so it is active',
    );
  }
}

/** SHA-256 of a list of records in canonical form (same value as a hashing Trace). */
export function hashRecords(
  records: readonly TraceRecord[],
  hasher: HasherFactory = nobleSha256,
): string {
  const h = hasher();
  const enc = new RecordEncoder((bytes) => h.update(bytes));
  for (const r of records) enc.record(r.id, r.t, r.cause, r.actor, r.kind, r.fields);
  enc.flush();
  return h.digest();
}

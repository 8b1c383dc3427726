// The trace: the contract between the simulation and everything that looks at it
// (checkers, reports, determinism hashes; GUIDE §1). Every record has a stable id (its
// position in the run), the simulated time, the id of the record that caused it, the
// actor, a kind and JSON-safe fields. The canonical form of a record is JSON with keys
// sorted at every level; the trace hash is SHA-256 over those lines, each ended by
// "\n", which is exactly the NDJSON file the file sink writes (`sha256sum` agrees).
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

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
  write(rec: TraceRecord, line: string | undefined): void;
  close?(): void;
}

/** Keeps every record in memory (tests, reports, checkers that look back). */
export class MemorySink implements TraceSink {
  readonly records: TraceRecord[] = [];
  write(rec: TraceRecord): void {
    this.records.push(rec);
  }
}

/** Streams canonical NDJSON lines to a file, buffered, with synchronous writes. */
export class NdjsonFileSink implements TraceSink {
  readonly wantsLines = true;
  private readonly fd: number;
  private chunks: string[] = [];
  private pending = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  write(_rec: TraceRecord, line: string | undefined): void {
    this.chunks.push(line ?? '');
    this.pending += (line ?? '').length;
    if (this.pending >= 1 << 16) this.flush();
  }
  flush(): void {
    if (this.chunks.length === 0) return;
    writeSync(this.fd, this.chunks.join(''));
    this.chunks = [];
    this.pending = 0;
  }
  private closed = false;
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    closeSync(this.fd);
  }
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
      if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('hex'));
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
  return `${canonicalJson(rec)}\n`;
}

export type RecordListener = (rec: TraceRecord) => void;

export class Trace {
  private nextId = 0;
  private readonly sinks: TraceSink[] = [];
  private readonly listeners: RecordListener[] = [];
  private hash: Hash | undefined;
  private needLines = false;
  /** True when anything consumes records; when false, emit() only advances the id. */
  active = false;

  constructor(opts: { hash?: boolean } = {}) {
    if (opts.hash === true) this.hash = createHash('sha256');
    this.refresh();
  }

  addSink(sink: TraceSink): void {
    this.sinks.push(sink);
    this.refresh();
  }

  addListener(fn: RecordListener): void {
    this.listeners.push(fn);
    this.refresh();
  }

  /** Number of records emitted so far (also the id of the next one). */
  get count(): number {
    return this.nextId;
  }

  /** Reserves an id without building a record (inactive trace, hot path). */
  skip(): number {
    return this.nextId++;
  }

  emit(t: number, cause: number, actor: string, kind: string, fields: Fields): number {
    const id = this.nextId++;
    if (!this.active) return id;
    const rec: TraceRecord = { id, t, cause, actor, kind, fields };
    const line = this.needLines ? recordLine(rec) : undefined;
    if (this.hash !== undefined && line !== undefined) this.hash.update(line);
    for (const s of this.sinks) s.write(rec, line);
    for (const l of this.listeners) l(rec);
    return id;
  }

  /** Hex SHA-256 of the canonical trace so far (undefined when hashing is off). */
  digest(): string | undefined {
    return this.hash?.copy().digest('hex');
  }

  close(): void {
    for (const s of this.sinks) s.close?.();
  }

  private refresh(): void {
    this.needLines = this.hash !== undefined || this.sinks.some((s) => (s as { wantsLines?: boolean }).wantsLines === true);
    this.active = this.hash !== undefined || this.sinks.length > 0 || this.listeners.length > 0;
  }
}

/** SHA-256 of a list of records in canonical form (same value as a hashing Trace). */
export function hashRecords(records: readonly TraceRecord[]): string {
  const h = createHash('sha256');
  for (const r of records) h.update(recordLine(r));
  return h.digest('hex');
}

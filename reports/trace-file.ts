// Trace output on Node: the canonical NDJSON file sink, and node:crypto's SHA-256 as a
// trace hasher. sim/ imports no node: module (GUIDE §1), so both live on the exit side;
// the entry side (scenarios/run.ts) hands them to the simulation.
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import type { HasherFactory, TraceRecord, TraceSink } from '../sim/index.ts';

/** Streams canonical NDJSON lines to a file, buffered, with synchronous writes. */
export class NdjsonFileSink implements TraceSink {
  readonly wantsLines = true;
  private readonly fd: number;
  private chunks: string[] = [];
  private pending = 0;
  private closed = false;

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

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    closeSync(this.fd);
  }
}

/** node:crypto's SHA-256: the same digest as sim's portable default, about ten times faster. */
export const nodeSha256: HasherFactory = () => {
  const h = createHash('sha256');
  return {
    update: (bytes) => void h.update(bytes),
    digest: () => h.copy().digest('hex'),
  };
};

/**
 * Writes the canonical binary trace (trace format 2, sim/trace-codec.ts) to a file while
 * hashing it: the bytes the hasher sees are the file's bytes, so `sha256sum FILE` prints
 * the run's trace hash. It wraps a hasher factory rather than being a sink because the
 * canonical bytes exist only on the hashing path (sinks get records or JSON lines).
 */
export class CanonicalTraceFile {
  private readonly fd: number;
  private closed = false;
  private used = false;

  constructor(
    path: string,
    private readonly inner: HasherFactory = nodeSha256,
  ) {
    this.fd = openSync(path, 'w');
  }

  /** The hasher factory to give the simulation; it may be used for one trace only. */
  readonly hasher: HasherFactory = () => {
    if (this.used) throw new Error('CanonicalTraceFile: one trace per file');
    this.used = true;
    const h = this.inner();
    return {
      update: (bytes) => {
        if (!this.closed) writeSync(this.fd, bytes);
        h.update(bytes);
      },
      digest: () => h.digest(),
    };
  };

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

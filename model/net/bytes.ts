// Byte helpers of the model: big-endian reads and writes, new arrays carved from slabs
// (allocBytes, below), and ByteQueue, a growable byte buffer appended at the end and
// consumed from the front: the reassembly buffer of a byte stream (KKCM channels, the
// stream verifier, the identical-data checker's window). It grows by doubling; consume()
// moves the rest down.
import { assert } from '../../sim/index.ts';

/** Big-endian reads from a byte array; callers check bounds first. */
export function rd16(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
}

export function rd32(b: Uint8Array, at: number): number {
  return (
    (((b[at] ?? 0) << 24) |
      ((b[at + 1] ?? 0) << 16) |
      ((b[at + 2] ?? 0) << 8) |
      (b[at + 3] ?? 0)) >>>
    0
  );
}

/** Big-endian write of an unsigned 16-bit value. */
export function wr16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

/** Big-endian write of an unsigned 32-bit value. */
export function wr32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

// Byte arrays for the model's hot paths (issue 18). A typed array of more than 64 bytes
// gets a backing store of its own outside V8's heap, and on Node 20 that costs about 800 ns
// (new Uint8Array(720)), against 30 ns for a view on an existing buffer; an application
// record made seven of them on its way through an NSR router, about a tenth of a run.
// allocBytes carves arrays from shared slabs instead, as Node's Buffer pool does. A slab's
// bytes are never handed out twice, so an array is zeroed and belongs to its holder as a
// fresh one does; a slab is freed when no array carved from it is reachable (the price:
// one long-lived array keeps its whole slab alive). Callers must not assume byteOffset 0.
//
// Measured (issue 18), against a backing store per array: bare bench 100 sessions +15-22%
// events/s, fuzz one worker +11-25% runs/s; the 10,000-session scale run, overloaded so
// that socket buffers stay full for seconds, peaks at 2,985 MB instead of 2,204 and takes
// 88 s instead of 82 (held arrays keep slabs of transient ones alive). Keeping the arrays
// a socket buffer may hold out of the slabs (records, decoded payloads, buffer chunks)
// peaked at 2,514 MB but gave back half the gain at 100 sessions and was slower at 1,000;
// two pools (held, transient) peaked at 2,679 MB. One pool was kept: the memory target
// (10,000 sessions under 4 GB) holds, and the common runs are the faster ones.

/**
 * Size of a slab. Bare bench, 100 sessions, 10 s, two rounds: 8 KB 1.93-1.94 s, 32 KB
 * 1.76-1.86 s, 64 KB 1.76-1.84 s; 10,000 sessions peak the same (1,836 and 1,831 MB).
 */
export const SLAB_BYTES = 32768;
/** Arrays this small live on V8's heap already and are cheap to make. */
const ON_HEAP_BYTES = 64;
/** Larger arrays get a buffer of their own: they would leave too much of a slab unused. */
const SLAB_MAX_ALLOC = SLAB_BYTES / 4;

let slab = new ArrayBuffer(0);
let slabUsed = 0;

/** A new zeroed array of n bytes, like new Uint8Array(n) (its byteOffset may not be 0). */
export function allocBytes(n: number): Uint8Array {
  // NaN would pass both size tests and turn the slab offset into NaN: every later array
  // would then start at the slab's first byte, on top of the others.
  assert(Number.isSafeInteger(n) && n >= 0, () => `allocBytes(${n})`);
  if (n <= ON_HEAP_BYTES || n > SLAB_MAX_ALLOC) return new Uint8Array(n);
  if (slab.byteLength - slabUsed < n) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, n);
  slabUsed += n;
  return out;
}

/** A copy of `src` in a new array (what src.slice() gives), from allocBytes. */
export function copyBytes(src: Uint8Array): Uint8Array {
  const out = allocBytes(src.length);
  out.set(src);
  return out;
}

export class ByteQueue {
  buf: Uint8Array;
  len = 0;

  constructor(initial = 4096) {
    this.buf = new Uint8Array(initial);
  }

  append(data: Uint8Array): void {
    if (this.buf.length - this.len < data.length) {
      const n = new Uint8Array(Math.max(this.buf.length * 2, this.len + data.length));
      n.set(this.buf.subarray(0, this.len));
      this.buf = n;
    }
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  /** Drops the first n bytes. */
  consume(n: number): void {
    if (n <= 0) return;
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
  }

  clear(): void {
    this.len = 0;
  }
}

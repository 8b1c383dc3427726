// The canonical binary form of trace records, which the trace hash is taken over (trace
// format 2). JSON (canonicalJson, trace.ts) is rendered only when a human or a file asks
// for it: building, key-sorting and hashing a JSON line per record cost more than the
// model itself (issue 18). The binary form is a pure function of the record sequence:
//
//   stream  := preamble record*                  preamble = "nsrsim-trace/2\n" (ASCII)
//   record  := uint(id) uint(t) uint(cause + 1) string(actor) string(kind) object(fields)
//   value   := 0 (null) | 1 (false) | 2 (true) | 3 uint(n) (a safe integer n >= 0)
//            | 4 uint(-n - 1) (a safe integer n < 0) | 5 float64 (little-endian)
//            | 7 uint(len) raw (a Uint8Array) | 8 uint(len) value* (an array)
//            | object | string
//   object  := 9 (string value)* 10             keys in the object's own order
//   string  := 11 uint(len) utf8                a new string, entered in the string table
//            | 12 uint(index)                   a string seen before (its table index)
//   uint    := LEB128 (7 bits per byte, low group first), 0 <= n <= 2^53 - 1
//
// Object keys are written in the object's own order (JavaScript's property order, fixed by
// the code that builds the record), undefined values left out: the same version of the
// model emits the same order, which is all "same scenario + seed + version, same hash"
// needs, and it spares a sort per record. The string table holds the first
// STRING_TABLE_MAX distinct strings of the run (actors, kinds, keys and string values) in
// order of first appearance; later new strings are written inline with tag 11.
import { assert } from './assert.ts';

export const TRACE_FORMAT = 2;
export const TRACE_PREAMBLE = `nsrsim-trace/${TRACE_FORMAT}\n`;

const T_NULL = 0;
const T_FALSE = 1;
const T_TRUE = 2;
const T_UINT = 3;
const T_NEGINT = 4;
const T_FLOAT = 5;
const T_BYTES = 7;
const T_ARRAY = 8;
const T_OBJECT = 9;
const T_END = 10;
const S_NEW = 11;
const S_REF = 12;

/** Distinct strings remembered by index; a run's vocabulary is a few hundred. */
const STRING_TABLE_MAX = 1 << 16;
const BUFFER_BYTES = 1 << 16;
/** Flush to the consumer once this much is buffered (at a record boundary). */
const FLUSH_AT = BUFFER_BYTES - 4096;

const utf8 = new TextEncoder();

/** A value the unsigned LEB128 form cannot hold: a bug in the caller (an assertion). */
function notUint(n: number): never {
  assert(false, `trace codec: ${n} is not an unsigned safe integer`);
}

/** Encodes records into the canonical binary form and hands the bytes on in blocks. */
export class RecordEncoder {
  private buf = new Uint8Array(BUFFER_BYTES);
  private view = new DataView(this.buf.buffer);
  private pos = 0;
  private readonly strings = new Map<string, number>();
  /**
   * Per kind (by its string-table index), the keys its last record had at each position
   * and their table indexes: records of one kind are built by the same code, so their keys
   * repeat and an identity comparison replaces a table lookup (the bytes are the same).
   */
  private readonly keyMemo: ({ keys: string[]; refs: number[] } | undefined)[] = [];

  /** `out` receives the stream in order; a block is only valid during the call. */
  constructor(private readonly out: (bytes: Uint8Array) => void) {
    this.ascii(TRACE_PREAMBLE);
  }

  record(id: number, t: number, cause: number, actor: string, kind: string, fields: object): void {
    this.uint(id);
    this.uint(t);
    this.uint(cause + 1);
    this.string(actor);
    this.fields(this.string(kind), fields as Readonly<Record<string, unknown>>);
    if (this.pos >= FLUSH_AT) this.flush();
  }

  /** Hands every buffered byte on. */
  flush(): void {
    if (this.pos === 0) return;
    this.out(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) {
      this.buf = new Uint8Array(n);
      this.view = new DataView(this.buf.buffer);
    }
  }

  private byte(b: number): void {
    if (this.pos >= this.buf.length) this.room(1);
    this.buf[this.pos++] = b;
  }

  private uint(n: number): void {
    // The hot path of every record (ids, times, string indexes): one comparison for the
    // common small values, bit operations below 2^31, division only above.
    if (this.pos + 8 > this.buf.length) this.room(8);
    const buf = this.buf;
    if (n >= 0 && n < 0x80 && (n | 0) === n) {
      buf[this.pos++] = n;
      return;
    }
    if (!(Number.isSafeInteger(n) && n >= 0)) notUint(n);
    let v = n;
    while (v > 0x7fff_ffff) {
      buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    while (v >= 0x80) {
      buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[this.pos++] = v;
  }

  private ascii(s: string): void {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i) & 0x7f;
  }

  /** Writes `s` (a reference when the table has it); returns its table index, or -1. */
  private string(s: string): number {
    const known = this.strings.get(s);
    if (known !== undefined) {
      this.ref(known);
      return known;
    }
    let index = -1;
    if (this.strings.size < STRING_TABLE_MAX) {
      index = this.strings.size;
      this.strings.set(s, index);
    }
    this.byte(S_NEW);
    this.utf8(s);
    return index;
  }

  /** A string already in the table, by its index. */
  private ref(index: number): void {
    if (index < 0x80 && this.pos + 2 <= this.buf.length) {
      // A table index below 128, the usual case: tag and index in two bytes.
      this.buf[this.pos++] = S_REF;
      this.buf[this.pos++] = index;
      return;
    }
    this.byte(S_REF);
    this.uint(index);
  }

  /** A record's fields: object(), with the keys of the kind's last record remembered. */
  private fields(kind: number, o: Readonly<Record<string, unknown>>): void {
    let memo = kind < 0 ? undefined : this.keyMemo[kind];
    if (memo === undefined && kind >= 0) {
      memo = { keys: [], refs: [] };
      this.keyMemo[kind] = memo;
    }
    this.byte(T_OBJECT);
    let i = 0;
    for (const k in o) {
      const v = o[k];
      if (v === undefined) continue;
      if (memo !== undefined && memo.keys[i] === k) {
        this.ref(memo.refs[i] as number);
      } else {
        const index = this.string(k);
        if (memo !== undefined && index >= 0) {
          memo.keys[i] = k;
          memo.refs[i] = index;
        }
      }
      i++;
      this.value(v);
    }
    this.byte(T_END);
  }

  private utf8(s: string): void {
    let ascii = true;
    for (let i = 0; i < s.length && ascii; i++) ascii = s.charCodeAt(i) < 0x80;
    if (ascii) {
      this.uint(s.length);
      this.ascii(s);
      return;
    }
    const bytes = utf8.encode(s);
    this.uint(bytes.length);
    this.raw(bytes);
  }

  private raw(bytes: Uint8Array): void {
    if (bytes.length > BUFFER_BYTES / 4) {
      this.flush();
      this.out(bytes);
      return;
    }
    this.room(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private number(n: number): void {
    if (Number.isSafeInteger(n)) {
      if (n >= 0) {
        this.byte(T_UINT);
        this.uint(n);
      } else {
        this.byte(T_NEGINT);
        this.uint(-n - 1);
      }
      return;
    }
    if (!Number.isFinite(n)) throw new TypeError(`trace: non-finite number ${n}`);
    this.room(9);
    this.buf[this.pos++] = T_FLOAT;
    this.view.setFloat64(this.pos, n, true);
    this.pos += 8;
  }

  private value(v: unknown): void {
    if (v === null || v === undefined) return this.byte(T_NULL);
    switch (typeof v) {
      case 'number':
        return this.number(v);
      case 'string':
        this.string(v);
        return;
      case 'boolean':
        return this.byte(v ? T_TRUE : T_FALSE);
      case 'object':
        if (v instanceof Uint8Array) {
          this.byte(T_BYTES);
          this.uint(v.length);
          return this.raw(v);
        }
        if (Array.isArray(v)) {
          this.byte(T_ARRAY);
          this.uint(v.length);
          for (const x of v as unknown[]) this.value(x);
          return;
        }
        return this.object(v as Readonly<Record<string, unknown>>);
      default:
        throw new TypeError(`trace: value of type ${typeof v} is not JSON-safe`);
    }
  }

  private object(o: Readonly<Record<string, unknown>>): void {
    this.byte(T_OBJECT);
    for (const k in o) {
      const v = o[k];
      if (v === undefined) continue;
      this.string(k);
      this.value(v);
    }
    this.byte(T_END);
  }
}

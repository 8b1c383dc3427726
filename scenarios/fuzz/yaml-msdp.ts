// The MSDP part of a scenario written back as YAML (issue 14): a peer's `app: msdp` with
// its `msdp:` map, and `router.msdp`, in the keys scenarios/load/msdp.ts reads, so a
// generated or library scenario with MSDP peers round-trips (yaml.ts calls these).
import type { MsdpPeerApp, RouterMsdpConfig } from '../../model/app/layer/config.ts';
import { SA_ENTRIES_PER_TLV_DEFAULT } from '../../model/app/layer/config.ts';
import { DEFAULT_TIMERS, type LocalSource, type MsdpTimers } from '../../model/app/msdp/defs.ts';
import { ipv4ToString } from '../../model/net/segment.ts';
import { formatDuration } from '../../sim/index.ts';

type Obj = Record<string, unknown>;

const TIMER_KEYS: ReadonlyArray<[string, keyof MsdpTimers]> = [
  ['keepAlive', 'keepAliveNs'],
  ['hold', 'holdTimeNs'],
  ['connectRetry', 'connectRetryNs'],
  ['saAdvertisement', 'saAdvertisementNs'],
  ['sgState', 'sgStateNs'],
  ['slot', 'slotNs'],
];

/** { count, source, group }: the loader generates sources as consecutive pairs. */
function sourcesObject(s: readonly LocalSource[]): Obj {
  const first = s[0];
  if (first === undefined) throw new Error('msdp sources: an empty list cannot be written');
  s.forEach((x, i) => {
    if (x.source !== (first.source + i) >>> 0 || x.group !== (first.group + i) >>> 0)
      throw new Error('msdp sources: only consecutive source/group pairs can be written');
  });
  return {
    count: s.length,
    source: ipv4ToString(first.source),
    group: ipv4ToString(first.group),
  };
}

function speakerInto(out: Obj, a: Omit<MsdpPeerApp, 'kind' | 'badTlvAtNs'>): void {
  const o = a.origination;
  if (o !== undefined) {
    if (o.rp !== undefined) out.rp = ipv4ToString(o.rp);
    out.sources = sourcesObject(o.sources);
    if (o.churn !== undefined)
      out.churn = {
        up: formatDuration(o.churn.meanUpNs),
        down: formatDuration(o.churn.meanDownNs),
      };
  }
  const timers: Obj = {};
  const t = { ...DEFAULT_TIMERS, ...a.timers };
  for (const [k, f] of TIMER_KEYS) if (t[f] !== DEFAULT_TIMERS[f]) timers[k] = formatDuration(t[f]);
  if (Object.keys(timers).length > 0) out.timers = timers;
  const per = a.saEntriesPerTlv ?? SA_ENTRIES_PER_TLV_DEFAULT;
  if (per !== SA_ENTRIES_PER_TLV_DEFAULT) out.saEntriesPerTlv = per;
}

/** A peer's `msdp:` map (empty maps are left out by the caller). */
export function peerMsdpObject(a: MsdpPeerApp): Obj {
  const out: Obj = {};
  speakerInto(out, a);
  if (a.badTlvAtNs !== undefined) out.badTlv = formatDuration(a.badTlvAtNs);
  return out;
}

/** `router.msdp`. */
export function routerMsdpObject(m: RouterMsdpConfig): Obj {
  const out: Obj = {};
  speakerInto(out, m);
  if (m.rpf.length > 0)
    out.rpf = m.rpf.map((r) => ({ prefix: `${ipv4ToString(r.prefix)}/${r.len}`, peer: r.peer }));
  if (!m.nsr) out.nsr = false;
  if (!m.guard) out.guard = false;
  return out;
}

// Short trace summaries of BGP messages (counts, not contents: the trace stays small).
import type { UpdateMsg } from './defs.ts';

export function updateSummary(u: UpdateMsg): Record<string, unknown> {
  const eor = u.withdrawn.length === 0 && u.nlri.length === 0 && u.attrs === undefined;
  return { withdrawn: u.withdrawn.length, nlri: u.nlri.length, ...(eor ? { eor: true } : {}) };
}

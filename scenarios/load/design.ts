// The loader's design part of `router` (SPEC O-3): which design family the router runs,
// how it squares with `nsr`, Redundant TCP's own settings (`router.redundant`), and which
// fault kinds apply to which design. A file that asks for something the design does not
// have is told so, naming the design (issue 16, item 6), never silently ignored.
//
//   design jsr            socket replication: needs nsr: true (implied when nsr is left out)
//   design none           a dual-RE router without NSR: what nsr: false always meant
//   design redundant-tcp  seed 004's two stations: no NSR (nsr: true is refused)
//   no design             what nsr says (jsr with true, none without), as before designs
import type { Node } from 'yaml';
import {
  DESIGN_IDS,
  REDUNDANT_DEFAULTS,
  type Design,
  type RedundantConfig,
} from '../../model/config.ts';
import type { LinkParams } from '../../model/net/link.ts';
import { readLink } from './peers.ts';
import { duration, positiveDuration } from './values.ts';
import { Invalid, oneOf, type Field, type Fields, type Walk } from './walk.ts';

export const REDUNDANT_KEYS = ['standbyPath', 'bootTimeout', 'clockOffset'] as const;

/** router.design (undefined when left out or invalid). */
export function readDesign(w: Walk, f: Field | undefined): Design | undefined {
  return w.read(f, undefined as Design | undefined, (n: Node | null) =>
    oneOf(n, 'router.design', DESIGN_IDS),
  );
}

/**
 * `nsr` as the design makes it: jsr needs it on, none and redundant-tcp need it off; a
 * left-out nsr follows the design. Contradictions are reported on router.nsr.
 */
export function nsrForDesign(
  w: Walk,
  r: Fields,
  design: Design | undefined,
  nsr: boolean | undefined,
): boolean | undefined {
  if (design === undefined || nsr === undefined) return nsr;
  const want = design === 'jsr';
  const f = r.get('nsr');
  if (f === undefined) return want;
  if (nsr !== want)
    w.error(
      f.key,
      `router.nsr: ${String(nsr)} contradicts router.design: ${design} (${want ? 'socket replication needs nsr: true' : `design ${design} has no socket replication: leave nsr out or set it to false`})`,
    );
  return want;
}

/** router.redundant: only with design redundant-tcp. */
export function readRedundant(
  w: Walk,
  f: Field | undefined,
  design: Design | undefined,
  reLink: Readonly<LinkParams>,
): RedundantConfig | undefined {
  if (f === undefined)
    return design === 'redundant-tcp'
      ? { ...REDUNDANT_DEFAULTS, standbyPath: { ...reLink } }
      : undefined;
  if (design !== 'redundant-tcp') {
    w.error(
      f.key,
      `router.redundant applies only to design redundant-tcp (the design is ${design ?? 'what router.nsr says'}); set router.design: redundant-tcp`,
    );
    return undefined;
  }
  const m = w.map(f.value, 'router.redundant', REDUNDANT_KEYS);
  if (m === undefined) return undefined;
  const path = m.get('standbyPath');
  return {
    bootTimeoutNs: w.read(m.get('bootTimeout'), REDUNDANT_DEFAULTS.bootTimeoutNs, (n) =>
      positiveDuration(n, 'router.redundant.bootTimeout'),
    ),
    // Always the whole path, reLink's values where the file says nothing.
    standbyPath:
      path === undefined
        ? { ...reLink }
        : readLink(w, path, 'router.redundant.standbyPath', reLink),
    clockOffsetNs: w.read(m.get('clockOffset'), REDUNDANT_DEFAULTS.clockOffsetNs, (n) =>
      duration(n, 'router.redundant.clockOffset'),
    ),
  };
}

/** Redundant TCP's own fault kinds: they mean nothing without its stations. */
export const RTCP_FAULTS: ReadonlySet<string> = new Set([
  'station-deactivate',
  'standby-path-loss',
  'station-clock-offset',
  'operator-config',
]);

/**
 * Why a fault kind does not apply to a design (undefined when it does). The NSR-only
 * kinds keep their own message (faults.ts), which predates designs.
 */
export function faultNotApplicable(kind: string, design: Design | undefined): string | undefined {
  if (design === 'redundant-tcp') {
    switch (kind) {
      case 'switchover':
        return 'its stations hand over by their signals (R-3): use station-deactivate';
      case 'pfe-switch-delay':
        return 'it has no PFE switch: both stations are on the wire';
      case 'socket-failover':
        return 'its sockets are not replicated one by one';
      default:
        return undefined;
    }
  }
  if (RTCP_FAULTS.has(kind))
    return 'it has no Redundant TCP stations (router.design: redundant-tcp)';
  return undefined;
}

/** Thrown when a value names a design that is not known (for `--designs`). */
export function parseDesign(s: string): Design {
  if ((DESIGN_IDS as readonly string[]).includes(s)) return s as Design;
  throw new Invalid(`unknown design "${s}" (designs: ${DESIGN_IDS.join(', ')})`);
}

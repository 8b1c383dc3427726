// The two stations' hardware signals (seed 004 §2.2, §2.3; SPEC R-3): I_AM_HERE (a
// redundant counterpart is present), ready (the boot and timing handshakes of §3 and
// §5.2) and the operational signal (the LED that says the station's software is actively
// routing). Each station sets its own and reads its counterpart's: they are wires between
// the boxes, not messages, so reading one costs nothing and sees the value now. A change
// also raises an interrupt at the counterpart (the station sends it; model/redundant/
// station.ts), which is how a station waiting in a handshake notices at once.
//
// One writer per station's signals: the station itself, except that when a station
// crashes its exception handler drops them (the chassis does it on its behalf, in the
// same instant, because a crashed actor runs nothing more).
import { assert } from '../../sim/index.ts';

export interface SignalState {
  /** I_AM_HERE: the station is up and configured as half of a redundant pair. */
  present: boolean;
  /** Readiness in the §3 / §5.2 handshakes. */
  ready: boolean;
  /** The operational signal: this station routes (and transmits). */
  operational: boolean;
}

const DOWN: Readonly<SignalState> = { present: false, ready: false, operational: false };

export class StationSignals {
  private readonly s: [SignalState, SignalState] = [{ ...DOWN }, { ...DOWN }];

  read(station: 0 | 1): Readonly<SignalState> {
    return this.s[station];
  }

  /** Sets some of a station's signals; returns true when anything changed. */
  set(station: 0 | 1, patch: Partial<SignalState>): boolean {
    const cur = this.s[station];
    const next = { ...cur, ...patch };
    // The operational signal means the software is up and routing: never without I_AM_HERE.
    assert(
      !next.operational || next.present,
      () => `signals: station ${station} operational without being present`,
    );
    const changed =
      next.present !== cur.present ||
      next.ready !== cur.ready ||
      next.operational !== cur.operational;
    this.s[station] = next;
    return changed;
  }

  /** A crashed or deactivated station: every signal drops. */
  drop(station: 0 | 1): boolean {
    return this.set(station, DOWN);
  }

  /**
   * The station whose operational signal is on: 0 or 1, -1 when neither is, and -2 when
   * both are (two stations transmitting: what the wire must never see).
   */
  operationalStation(): number {
    const [a, b] = [this.s[0].operational, this.s[1].operational];
    if (a && b) return -2;
    if (a) return 0;
    if (b) return 1;
    return -1;
  }
}

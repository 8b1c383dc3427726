// The stations' management plane (seed 004 §4.1.1, §5.1, §5.2; SPEC R-4, R-6) over the
// inter-RE link, in the line protocol of mgmt.ts:
//
// - every station serves SNMP (port 161: GETALL, the MIB walk) and telnet (port 23: SET,
//   an operator command echoed by the counterpart; SYNC, a late joiner's request for
//   timing synchronization) on its management address;
// - a station that is not operational opens a telnet session to its counterpart at boot,
//   over which both echo operator commands;
// - a late joiner (a station booting while its counterpart is operational) is
//   unsynchronized: it never transmits and holds no session; it walks the counterpart's
//   MIB (data synchronization, §5.1), then sends SYNC (timing synchronization, §5.2): the
//   operational station brings its sessions down (the peer sees them reset), answers
//   SYNC-OK <epoch>, and at that instant both open every session afresh, from one random
//   stream and with ISNs from the addresses, so they run alike from then on; until then
//   neither transmits (the operational station holds no session). The joiner is then a
//   ready standby.
//
// Simplified: SNMP over TCP (the model has no UDP); no telnet negotiation or login; the
// quiet period of the timing synchronization is TIMING_QUIET_NS.
import { assert } from '../../sim/index.ts';
import type { Ipv4 } from '../net/segment.ts';
import type { TcpConnection, TcpStack } from '../tcp/tcp.ts';
import { K } from '../vocab.ts';
import { LineChannel, SNMP_PORT, TELNET_PORT, type MgmtLine } from './mgmt.ts';

/** §5.2: how long after SYNC both stations reopen their sessions (neither transmits meanwhile). */
export const TIMING_QUIET_NS = 100_000_000;
/**
 * Local ports of the sessions a station opens to its counterpart, plus its boot count: a
 * crashed station's old session may still be open at the counterpart (it sent no FIN or
 * RST), and a new one on the same ports would run into it.
 */
const SNMP_CLIENT_PORT = 1161;
const TELNET_CLIENT_PORT = 1023;
/** A MIB holds at most this many objects (GUIDE §4: a bound on everything). */
export const MIB_OBJECTS_MAX = 4096;

/** The configuration every station boots with (the same on both: one router's). */
export const MIB_DEFAULTS: ReadonlyArray<[string, string]> = [
  ['sysName.0', 'nsrsim-router'],
  ['bgpLocalAs.0', '65000'],
];

/** What the management plane needs of its station. */
export interface MgmtHost {
  readonly station: 0 | 1;
  /** 1 for the first boot, n for the n-th. */
  readonly boots: number;
  mgmtStack(): TcpStack;
  counterpartAddr(): Ipv4;
  trace(kind: string, fields: Record<string, unknown>): void;
  /** §5.2: the operational side: sessions down now, back at `epochNs`. */
  sessionsDown(epochNs: number): void;
  /** §5.2: the joiner: open sessions at `epochNs` and be a ready standby. */
  joinAt(epochNs: number): void;
  now(): number;
}

export class StationMgmt {
  readonly mib = new Map<string, string>(MIB_DEFAULTS);
  /** The telnet session with the counterpart (either end opened it). */
  private telnet: LineChannel | undefined;

  constructor(private readonly host: MgmtHost) {}

  /** Serves SNMP and telnet on the management address. */
  listen(): void {
    const stack = this.host.mgmtStack();
    stack.listen(SNMP_PORT, (c) => this.served(c));
    stack.listen(TELNET_PORT, (c) => this.served(c, true));
  }

  private served(conn: TcpConnection, telnet = false): void {
    const open = (): void => {
      const ch = this.channel(conn);
      if (telnet) this.telnet = ch;
    };
    if (conn.t_state === 'ESTABLISHED') open();
    else conn.onEstablished = open;
  }

  private channel(conn: TcpConnection): LineChannel {
    return new LineChannel(
      conn,
      (l, ch) => this.onLine(l, ch),
      (why, ch) => {
        this.host.trace(K.rtcp.mgmtMalformed, { station: this.host.station, why });
        ch.close();
      },
    );
  }

  /** The standby's telnet session (echoes), and for a late joiner the walk first. */
  connect(lateJoin: boolean): void {
    const stack = this.host.mgmtStack();
    const to = this.host.counterpartAddr();
    if (!lateJoin) {
      this.openTelnet(false);
      return;
    }
    const c = stack.connect(SNMP_CLIENT_PORT + this.host.boots, to, SNMP_PORT);
    c.onEstablished = () => this.channel(c).send({ cmd: 'GETALL' });
  }

  private openTelnet(sync: boolean): void {
    const c = this.host
      .mgmtStack()
      .connect(TELNET_CLIENT_PORT + this.host.boots, this.host.counterpartAddr(), TELNET_PORT);
    c.onEstablished = () => {
      this.telnet = this.channel(c);
      if (sync) this.telnet.send({ cmd: 'SYNC' });
    };
  }

  private onLine(l: MgmtLine, ch: LineChannel): void {
    switch (l.cmd) {
      case 'GETALL':
        for (const [key, value] of this.mib) ch.send({ cmd: 'OBJ', key, value });
        ch.send({ cmd: 'END' });
        return;
      case 'OBJ':
        this.set(l.key, l.value, 'walk');
        return;
      case 'END':
        // §5.1 done: the walk's objects are set; timing synchronization next.
        this.host.trace(K.rtcp.dataSync, { station: this.host.station, objects: this.mib.size });
        ch.close();
        this.openTelnet(true);
        return;
      case 'SET':
        this.set(l.key, l.value, 'echo');
        return;
      case 'SYNC': {
        const epoch = this.host.now() + TIMING_QUIET_NS;
        this.host.sessionsDown(epoch);
        ch.send({ cmd: 'SYNC-OK', epoch });
        return;
      }
      case 'SYNC-OK':
        this.host.joinAt(l.epoch);
        return;
      default: {
        const never: never = l;
        throw new Error(`mgmt: unknown line ${JSON.stringify(never)}`);
      }
    }
  }

  private set(key: string, value: string, source: 'operator' | 'echo' | 'walk'): void {
    if (!this.mib.has(key) && this.mib.size >= MIB_OBJECTS_MAX) {
      this.host.trace(K.rtcp.mgmtMalformed, { station: this.host.station, why: 'MIB full', key });
      return;
    }
    this.mib.set(key, value);
    this.host.trace(K.rtcp.mibSet, { station: this.host.station, key, value, source });
  }

  /** an operator command at this station, echoed to the counterpart over telnet. */
  operator(key: string, value: string): void {
    this.set(key, value, 'operator');
    const t = this.telnet;
    if (t === undefined || t.closed) {
      this.host.trace(K.rtcp.echoLost, { station: this.host.station, key });
      return;
    }
    t.send({ cmd: 'SET', key, value });
  }

  /** The MIB as a sorted list (checkers, tests). */
  objects(): Array<[string, string]> {
    assert(this.mib.size <= MIB_OBJECTS_MAX, 'mgmt: MIB over its bound');
    return [...this.mib].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

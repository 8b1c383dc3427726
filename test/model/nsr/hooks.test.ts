// Proves the replication hooks NSR installs on a socket (model/nsr/hooks.ts), one by one: the
// primary's window is min(own space, the secondary's) less what PRL holds unACKed (P-10),
// its send limit follows what the secondary holds (S-1: nothing new while set-up is in
// progress, no limit once replication is off), a write is published always and posted to
// SDRL only while replication is active, a buffer size change goes to PSRM once per
// change (M-7) and the size is a plain writable field again after the hooks are removed,
// and the secondary tells PSRM of its application's reads only while replication is active
// (S-4). Written for the survivors of the mutation run (reports/mutation/README.md).
import { describe, expect, it } from 'vitest';
import {
  installPrimaryHooks,
  installSecondaryHooks,
  removeHooks,
} from '../../../model/nsr/hooks.ts';
import type { NsrState, Rep } from '../../../model/nsr/state.ts';
import { SockBuf } from '../../../model/tcp/sockbuf.ts';
import { Observers } from '../../../sim/index.ts';
import type { TcpConnection } from '../../../model/tcp/tcp.ts';

/** A fake kernel recording what the hooks post; `mutant` is the one `is` answers yes to. */
function kernel(mutant?: string) {
  const posted: Array<{ to: string; msg: Record<string, unknown> }> = [];
  const reps = new Map<number, Rep>();
  const nsr = {
    reIndex: 0,
    sent: new Observers(),
    ids: { psrm: 'psrm', sdrl: 'sdrl' },
    costs: { psrmNs: 1, sdrlNs: 1 },
    is: (m: string) => m === mutant,
    rep: (h: number) => reps.get(h),
    kernel: { post: (to: string, msg: Record<string, unknown>) => posted.push({ to, msg }) },
  } as unknown as NsrState;
  return { nsr, posted, reps };
}

function socket(k: ReturnType<typeof kernel>, role: 'primary' | 'secondary') {
  const conn = {
    so_rcv: new SockBuf(10_000),
    so_snd: new SockBuf(20_000),
    snd_una: 1000,
    snd_max: 1600,
    replica: false,
    onRcvAppend: () => undefined,
  } as unknown as TcpConnection;
  const rep = {
    session: 'pa/0',
    handle: 3,
    role,
    conn,
    iha: { active: false, setupInProgress: false },
    prl: { inputSpace: undefined, secSpace: 8000, queuedBytes: 0 },
    sdrl: { sndAppended: 0, acked: 0 },
  } as unknown as Rep;
  k.reps.set(rep.handle, rep);
  return { rep, conn };
}

describe('primary hooks (P-10, S-1, M-7)', () => {
  it('the window offered is min(own space, the secondary space) less the bytes PRL holds, never below 0', () => {
    const k = kernel();
    const { rep, conn } = socket(k, 'primary');
    installPrimaryHooks(k.nsr, rep);
    const policy = conn.rcvSpacePolicy as (c: TcpConnection) => number;
    expect(policy(conn)).toBe(8000);
    rep.prl.queuedBytes = 1500;
    expect(policy(conn)).toBe(6500);
    rep.prl.secSpace = 20_000;
    expect(policy(conn)).toBe(8500);
    rep.prl.queuedBytes = 30_000;
    expect(policy(conn)).toBe(0);
    // A replicated packet is judged against the common value it carries (P-10).
    rep.prl.inputSpace = 123;
    expect(policy(conn)).toBe(123);
  });

  it('send limit: none before set-up, what was sent already during set-up, then what the secondary holds', () => {
    const k = kernel();
    const { rep, conn } = socket(k, 'primary');
    installPrimaryHooks(k.nsr, rep);
    const limit = conn.sndLimit as (c: TcpConnection) => number;
    expect(limit(conn)).toBe(Number.MAX_SAFE_INTEGER);
    rep.iha.setupInProgress = true;
    expect(limit(conn)).toBe(600);
    conn.snd_max = conn.snd_una;
    expect(limit(conn)).toBe(0);
    rep.iha.setupInProgress = false;
    rep.iha.active = true;
    conn.so_snd.append(new Uint8Array(700));
    rep.sdrl.sndAppended = 900;
    rep.sdrl.acked = 500;
    // so_snd starts at stream offset 900 - 700 = 200: the secondary holds 300 of its bytes.
    expect(limit(conn)).toBe(300);
    rep.sdrl.acked = 100;
    expect(limit(conn)).toBe(0);
  });

  it('a write is counted and published at its offset always, and posted to SDRL only while replication is active (S-1, S-2)', () => {
    const k = kernel();
    const { rep, conn } = socket(k, 'primary');
    const seen: Array<[number, number]> = [];
    k.nsr.sent.subscribe((_r, offset, bytes) => seen.push([offset, bytes.length]));
    installPrimaryHooks(k.nsr, rep);
    const write = conn.sosendHook as (c: TcpConnection, b: Uint8Array) => void;
    write(conn, new Uint8Array(10));
    expect(k.posted).toEqual([]);
    rep.iha.active = true;
    write(conn, new Uint8Array(5));
    expect(seen).toEqual([
      [0, 10],
      [10, 5],
    ]);
    expect(rep.sdrl.sndAppended).toBe(15);
    expect(k.posted).toEqual([{ to: 'sdrl', msg: { type: 'sdrl.write', handle: 3 } }]);
  });

  it('a buffer size change goes to PSRM once per change; after removeHooks the size is a plain field', () => {
    const k = kernel();
    const { rep, conn } = socket(k, 'primary');
    installPrimaryHooks(k.nsr, rep);
    conn.so_rcv.hiwat = 10_000;
    expect(k.posted).toEqual([]);
    conn.so_rcv.hiwat = 12_000;
    conn.so_snd.hiwat = 4000;
    expect(k.posted).toEqual([
      {
        to: 'psrm',
        msg: { type: 'psrm.sockopt-set', handle: 3, option: 'SO_RCVBUF', value: 12_000 },
      },
      {
        to: 'psrm',
        msg: { type: 'psrm.sockopt-set', handle: 3, option: 'SO_SNDBUF', value: 4000 },
      },
    ]);
    removeHooks(rep);
    conn.so_rcv.hiwat = 5000;
    conn.so_snd.hiwat = 6000;
    expect([conn.so_rcv.hiwat, conn.so_snd.hiwat]).toEqual([5000, 6000]);
    expect(k.posted).toHaveLength(2);
    expect(conn.rcvSpacePolicy).toBeUndefined();
  });
});

describe('secondary hooks (S-4, P-10)', () => {
  it("its application's reads go to PSRM as window updates only while replication is active", () => {
    const k = kernel();
    const { rep, conn } = socket(k, 'secondary');
    installSecondaryHooks(k.nsr, rep);
    expect(conn.replica).toBe(true);
    const read = conn.soreceiveHook as () => void;
    read();
    expect(k.posted).toEqual([]);
    rep.iha.active = true;
    read();
    expect(k.posted).toEqual([{ to: 'psrm', msg: { type: 'psrm.window-update', handle: 3 } }]);
    const policy = conn.rcvSpacePolicy as (c: TcpConnection) => number;
    expect(policy(conn)).toBe(10_000);
    rep.prl.inputSpace = 77;
    expect(policy(conn)).toBe(77);
  });

  it('the tcp-replica-window-from-rcv-adv mutant is switched on for both sides, and only it', () => {
    for (const role of ['primary', 'secondary'] as const) {
      for (const mutant of ['tcp-replica-window-from-rcv-adv', 'prl-l4-after-nack']) {
        const k = kernel(mutant);
        const { rep, conn } = socket(k, role);
        if (role === 'primary') installPrimaryHooks(k.nsr, rep);
        else installSecondaryHooks(k.nsr, rep);
        expect(conn.widenWindowToAdv).toBe(mutant === 'tcp-replica-window-from-rcv-adv');
      }
    }
  });
});

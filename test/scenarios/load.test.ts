// Proves the scenario validator reports every problem of a broken file at its exact file:line:col with a useful message, and that a good file becomes the exact WorldConfig.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkerIds } from '../../model/checks/index.ts';
import { DEFAULT_ROUTER, type WorldConfig } from '../../model/config.ts';
import { DEFAULT_LINK } from '../../model/net/link.ts';
import {
  DEFAULT_NSR_BOUNDS,
  DEFAULT_NSR_COSTS,
  DEFAULT_NSR_OPTIONS,
  DEFAULT_NSR_TIMERS,
  MUTANTS,
} from '../../model/nsr/options.ts';
import { OPTIONS } from '../../scenarios/load/catalog.ts';
import { ScenarioError, formatIssue } from '../../scenarios/load/errors.ts';
import { loadScenarioFile, parseScenario } from '../../scenarios/load/load.ts';
import { DEFAULT_MAX_EVENTS } from '../../sim/index.ts';

const FIX = 'test/scenarios/fixtures';

function issuesOf(file: string): string[] {
  try {
    loadScenarioFile(file);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    const se = e as ScenarioError;
    expect(se.code).toBe('NSRSIM_SCENARIO_INVALID');
    return se.issues.map(formatIssue);
  }
  throw new Error(`${file} validated, but it is broken on purpose`);
}

function issuesOfText(text: string): string[] {
  try {
    parseScenario(text, 'x.yaml');
  } catch (e) {
    return (e as ScenarioError).issues.map(formatIssue);
  }
  return [];
}

const MINIMAL = 'name: m\nseed: 1\nduration: 1s\npeers: [{ name: pa }]\n';

describe('broken fixtures', () => {
  it('unknown keys get a did-you-mean hint at the key', () => {
    const f = join(FIX, 'unknown-key.yaml');
    expect(issuesOf(f)).toEqual([
      `${f}:2:1: the scenario: missing required key "duration"`,
      `${f}:4:1: unknown key "duraton" in the scenario; did you mean "duration"?`,
      `${f}:7:13: unknown key "latncy" in peers[0].link; did you mean "latency"?`,
      `${f}:8:5: unknown key "sesions" in peers[0]; did you mean "sessions"?`,
    ]);
  });

  it('bad units are reported at the value, with the units that exist', () => {
    const f = join(FIX, 'bad-unit.yaml');
    expect(issuesOf(f)).toEqual([
      `${f}:3:11: duration: cannot read duration "2 sec"; expected a number and a unit, e.g. "250us", "1.5ms", "30s", "2m"`,
      `${f}:5:17: router.socketBuffer: unknown size unit "kb" in "64kb" (units: B, KB = KiB = 1024 B, MB = MiB = 1024 KiB)`,
      `${f}:8:24: peers[0].link.bandwidth: unknown bandwidth unit "MBps" in "100MBps" (units: bps, kbps, Mbps, Gbps; decimal)`,
      `${f}:8:42: peers[0].link.latency: duration "5" has no unit; write e.g. "5ms" (units: ns, us, ms, s, m, h)`,
      `${f}:10:25: peers[0].traffic.toRouter.rate: cannot read rate "200/min"; expected records per second, e.g. "200/s" or "0.5/s"`,
    ]);
  });

  it('negative counts are out of range', () => {
    const f = join(FIX, 'negative-count.yaml');
    expect(issuesOf(f)).toEqual([
      `${f}:2:7: seed must be >= 0, got -1`,
      `${f}:4:12: maxEvents must be >= 1, got 0`,
      `${f}:7:15: peers[0].sessions must be between 1 and 10000, got -2`,
    ]);
  });

  it('wrong types say what was expected and what was found', () => {
    const f = join(FIX, 'wrong-type.yaml');
    expect(issuesOf(f)).toEqual([
      `${f}:2:7: seed must be an integer, got the string "7"`,
      `${f}:4:9: router must be a mapping, got the string "yes"`,
      `${f}:6:3: peers must be a list, got a mapping`,
    ]);
  });

  it('YAML syntax errors carry their position', () => {
    const f = join(FIX, 'syntax-error.yaml');
    const got = issuesOf(f);
    expect(got.length).toBeGreaterThan(0);
    expect(got[0]).toBe(
      `${f}:6:38: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    );
  });

  it('every error of a file is reported at once, in file order', () => {
    const f = join(FIX, 'many-errors.yaml');
    expect(issuesOf(f)).toEqual([
      `${f}:1:7: name "Many_Errors" must use only a-z, 0-9 and "-"`,
      `${f}:2:7: seed must be an integer, got the number 1.5`,
      `${f}:3:11: duration must be longer than 0s`,
      `${f}:6:19: peers[0].link.loss must be between 0 and 1, got 1.5`,
      `${f}:6:35: peers[0].link.duplicate must be between 0 and 1, got -0.1`,
      `${f}:6:46: peers[0].link.mtu must be between 68 and 65535, got 20`,
      `${f}:7:16: peers[0].initiator must be one of "peer", "router", got the string "both"`,
      `${f}:9:27: peers[0].traffic.fromRouter.size: min 1460 is larger than max 64`,
      `${f}:10:11: duplicate peer name "pa" (also peers[0])`,
      `${f}:14:13: faults[0].target must be one of "master", "backup", "re0", "re1", got the string "mastr"; did you mean "master"?`,
      `${f}:15:14: faults[1].between: lo 3s is after hi 1s`,
      `${f}:19:11: faults[1].peer names no peer "pz"; did you mean "pa"?`,
      `${f}:20:10: unknown checker "peer-transparnt"; did you mean "peer-transparent"? (checkers: ${checkerIds().join(', ')})`,
      `${f}:21:17: expect.fail must name at least one checker (write expect: pass for none)`,
    ]);
  });

  it('keys and kinds whose feature is missing are rejected as not supported yet; a session number must exist', () => {
    const f = join(FIX, 'not-supported.yaml');
    expect(issuesOf(f)).toEqual([
      `${f}:8:10: peers[0].app must be one of "stream", "msdp", "bgp", got the string "isis"`,
      `${f}:12:14: faults[0].session 3 is not a session of any peer (1 session: 0 … 0)`,
      `${f}:16:5: faults[1].peer with side: router is not supported yet (the router side stalls every session of the master RE)`,
    ]);
  });

  it('bad NSR values are reported at the value, with the allowed values and did-you-mean hints', () => {
    const f = join(FIX, 'nsr-errors.yaml');
    expect(issuesOf(f)).toEqual([
      `${f}:6:11: router.design must be one of "jsr", "redundant-tcp", "gr", "none", got the string "jrs"; did you mean "jsr"?`,
      `${f}:8:5: unknown key "kkcmChanels" in router.options; did you mean "kkcmChannels"?`,
      `${f}:9:15: router.options.encoding must be one of "ipc", "tlv", got the string "xml"`,
      `${f}:10:19: router.options.versions[1] (the version re1 speaks) must be between 1 and 2, got 3`,
      `${f}:11:18: router.options.prlL3Header must be true or false, got the string "no"`,
      `${f}:12:19: router.options.windowUpdate must be one of "immediate", "delack", "socket-timer", "global-timer", got the string "delayed"`,
      `${f}:13:13: router.options.prlAck must be one of "per-packet", "coalesce", got the string "coalesced"; did you mean "coalesce"?`,
      expect.stringMatching(
        new RegExp(
          `^${f}:14:11: router\\.mutant: no mutant "prl-l4-after-nak"; did you mean "prl-l4-after-nack"\\? \\(mutants: prl-l4-after-nack, .*\\)$`,
        ),
      ),
      `${f}:15:24: router.costs.prlPrimary: duration "5" has no unit; write e.g. "5ms" (units: ns, us, ms, s, m, h)`,
      `${f}:15:39: router.costs.kkcmSwitch must be at most 1s (a per-message processing cost), got 2s`,
      `${f}:16:25: router.timers.prlTimeout must be longer than 0s`,
      `${f}:16:29: unknown key "windowTimr" in router.timers; did you mean "windowTimer"?`,
      `${f}:17:24: router.bounds.prlBuffer must be between 1 and 1073741824 bytes, got 0`,
      `${f}:17:39: router.bounds.prlPending must be an integer, got the number 1.5`,
      `${f}:17:55: router.bounds.kkcmQueue must be an integer, got the string "10MB"`,
      `${f}:21:5: faults[0] (inter-re-partition): missing required key "from"`,
      `${f}:26:15: faults[1].duration must be longer than 0s`,
      `${f}:29:13: faults[2].target must be one of "master", "backup", "re0", "re1", got the string "primary"`,
      `${f}:32:15: faults[3].duration: duration "-1s" is negative; durations are >= 0`,
    ]);
  });

  // design: none is the router without NSR (issue 16): the NSR keys are refused as with nsr: false.
  it('NSR keys and NSR fault kinds without nsr: true are rejected at the key (or kind)', () => {
    const f = join(FIX, 'nsr-off.yaml');
    const why =
      'applies only with socket replication; set router.nsr: true (it is false by default)';
    expect(issuesOf(f)).toEqual([
      `${f}:6:3: router.options ${why}`,
      `${f}:7:3: router.mutant ${why}`,
      `${f}:8:3: router.costs ${why}`,
      `${f}:9:3: router.timers ${why}`,
      `${f}:10:3: router.bounds ${why}`,
      `${f}:15:11: fault kind "kkcm-io-error" needs socket replication; set router.nsr: true`,
      `${f}:17:11: fault kind "nsr-deconfig" needs socket replication; set router.nsr: true`,
    ]);
  });

  it('an unreadable file is a ScenarioError of its own code', () => {
    expect(() => loadScenarioFile(join(FIX, 'no-such-file.yaml'))).toThrowError(
      expect.objectContaining({ code: 'NSRSIM_SCENARIO_UNREADABLE' }),
    );
  });
});

describe('smaller rules', () => {
  it('fault times must lie inside the run', () => {
    const text = `${MINIMAL}faults:\n  - at: 1s\n    kind: switchover\n  - between: [500ms, 2s]\n    kind: switchover\n`;
    expect(issuesOfText(text)).toEqual([
      'x.yaml:6:9: faults[0].at is not inside the run (duration 1s)',
      'x.yaml:8:22: faults[1].between hi is not inside the run (duration 1s)',
    ]);
  });

  it("M-7: read.<side>.rcvbuf becomes the application's receive-buffer change; with or without a pace; at inside the run, size in range, both required", () => {
    const withRead = (read: string): string =>
      `name: m\nseed: 1\nduration: 2s\npeers: [{ name: pa, read: { router: ${read} } }]\n`;
    const cfg = parseScenario(
      withRead('{ chunk: 2KB, every: 20ms, rcvbuf: { at: 1s, size: 32KB } }'),
      'm.yaml',
    ).config;
    expect(cfg.peers[0]?.routerRead).toEqual({
      chunkBytes: 2048,
      intervalNs: 20_000_000,
      rcvbuf: { atNs: 1_000_000_000, bytes: 32768 },
    });
    expect(cfg.peers[0]?.peerRead).toEqual({ chunkBytes: 0, intervalNs: 0 });
    const eager = parseScenario(withRead('{ rcvbuf: { at: 500ms, size: 4KB } }'), 'm.yaml');
    expect(eager.config.peers[0]?.routerRead).toEqual({
      chunkBytes: 0,
      intervalNs: 0,
      rcvbuf: { atNs: 500_000_000, bytes: 4096 },
    });
    expect(issuesOfText(withRead('{ rcvbuf: { at: 3s, size: 100 } }'))).toEqual([
      'x.yaml:4:53: peers[0].read.router.rcvbuf.at is not inside the run (duration 2s)',
      'x.yaml:4:63: peers[0].read.router.rcvbuf.size must be between 1024 and 1073741824 bytes, got 100',
    ]);
    expect(issuesOfText(withRead('{ chunk: 1KB, rcvbuf: { size: 8KB } }'))).toEqual([
      'x.yaml:4:37: peers[0].read.router: missing required key "every"',
      'x.yaml:4:59: peers[0].read.router.rcvbuf: missing required key "at"',
    ]);
  });

  it('a fault needs exactly one of at and between', () => {
    expect(issuesOfText(`${MINIMAL}faults:\n  - kind: switchover\n`)).toEqual([
      'x.yaml:6:5: faults[0] needs exactly one of "at" (an instant) or "between" (a window [lo, hi])',
    ]);
    expect(
      issuesOfText(`${MINIMAL}faults:\n  - { at: 1ms, between: [0s, 1ms], kind: switchover }\n`),
    ).toEqual([
      'x.yaml:6:7: faults[0] needs exactly one of "at" (an instant) or "between" (a window [lo, hi])',
    ]);
  });

  it('a fault kind only takes its own parameters', () => {
    expect(
      issuesOfText(`${MINIMAL}faults:\n  - { at: 1ms, kind: switchover, target: master }\n`),
    ).toEqual(['x.yaml:6:34: unknown key "target" in faults[0]; allowed keys: kind, at, between']);
  });

  it('expect may only name checkers the scenario runs', () => {
    expect(issuesOfText(`${MINIMAL}checks: []\nexpect: { fail: [peer-transparent] }\n`)).toEqual([
      'x.yaml:6:17: expect.fail names "peer-transparent", which checks does not run; add it to checks',
    ]);
  });

  it("the TCP options are checked with the model's own cross-field rules", () => {
    expect(issuesOfText(`${MINIMAL}router: { tcp: { rtoMin: 2s, rtoMax: 1s } }\n`)).toEqual([
      'x.yaml:5:16: router.tcp: tcp option rtoMaxNs: need an integer in [2000000000, 9007199254740991], got 1000000000',
    ]);
  });

  it('expect.fail must be a non-empty list, reported once', () => {
    expect(issuesOfText(`${MINIMAL}expect: { fail: peer-transparent }\n`)).toEqual([
      'x.yaml:5:17: expect.fail must be a list, got the string "peer-transparent"',
    ]);
  });

  it('duplicate keys are YAML errors', () => {
    expect(issuesOfText('name: a\nname: b\n')).toEqual([
      'x.yaml:2:1: YAML syntax error: Map keys must be unique',
    ]);
  });

  it('an empty file says what a scenario needs', () => {
    expect(issuesOfText('# nothing\n')).toEqual([
      'x.yaml:1:1: the file is empty; a scenario needs at least name, seed, duration and peers',
    ]);
  });

  it('anchors and aliases work, with positions still reported', () => {
    const text =
      'name: a\nseed: 1\nduration: 1s\npeers:\n  - { name: pa, link: &wire { latency: 3ms, loss: 2 } }\n  - { name: pb, link: *wire }\n';
    expect(issuesOfText(text)).toEqual([
      'x.yaml:5:51: peers[0].link.loss must be between 0 and 1, got 2',
      'x.yaml:5:51: peers[1].link.loss must be between 0 and 1, got 2',
    ]);
    const ok = parseScenario(text.replace('loss: 2', 'loss: 0.5'), 'x.yaml');
    expect(ok.config.peers[1]?.link.latencyNs).toBe(3_000_000);
    expect(ok.config.peers[1]?.link.loss).toBe(0.5);
  });

  it('JSON is accepted (it is YAML)', () => {
    const s = parseScenario(
      '{"name": "j", "seed": 3, "duration": "2s", "peers": [{"name": "pa"}]}',
      'j.json',
    );
    expect(s.config.seed).toBe(3);
    expect(s.config.durationNs).toBe(2_000_000_000);
  });
});

describe('a valid file', () => {
  it('becomes exactly the WorldConfig the model runs', () => {
    const text = `
name: full
description: every key
seed: 7
duration: 20s
maxEvents: 1000
holdTime: 30s
router:
  nsr: false
  interRe: { latency: 60us, bandwidth: 10Gbps }
  reLink: { latency: 10us }
  pfeSwitch: 70ms
  masterDetect: 150ms
  socketBuffer: 32KiB
  tcp: { mss: 1400, wscale: off, timestamps: true, delack: 50ms, rtoMin: 300ms, maxRetries: 5 }
peers:
  - name: pa
    link: { latency: 1ms, bandwidth: 100Mbps, loss: 0.001, duplicate: 0.01, reorder: 0.02, jitter: 10us, mtu: 1400, queue: 1MB, reorderDelay: 2ms }
    sessions: 4
    initiator: router
    traffic:
      toRouter: { rate: 200/s, size: [64, 1460] }
      fromRouter: { rate: 0.5/s, size: 100 }
    read:
      peer: { chunk: 4KB, every: 10ms }
faults:
  - { at: 5s, kind: re-crash, target: master }
  - { between: [2s, 8s], kind: wire-loss, loss: 0.5, duration: 1s, peer: pa }
  - { at: 6s, kind: app-stall, side: peer, duration: 2s }
  - { at: 7s, kind: pfe-switch-delay, switch: 200ms }
checks: [peer-transparent]
expect: { fail: [peer-transparent] }
traceHash: ${'ab'.repeat(32)}
`;
    const s = parseScenario(text, 'full.yaml');
    const want: WorldConfig = {
      name: 'full',
      seed: 7,
      durationNs: 20e9,
      maxEvents: 1000,
      holdTimeNs: 30e9,
      router: {
        nsr: false,
        pfeSwitchNs: 70e6,
        masterDetectNs: 150e6,
        interRe: { ...DEFAULT_LINK, latencyNs: 60_000, bandwidthBps: 10e9 },
        reLink: { ...DEFAULT_LINK, ...DEFAULT_ROUTER.reLink, latencyNs: 10_000 },
        socketBufferBytes: 32768,
        tcp: {
          mss: 1400,
          wscale: null,
          timestamps: true,
          delackNs: 50e6,
          rtoMinNs: 300e6,
          maxRetries: 5,
        },
        nsrOptions: {},
        nsrCosts: {},
        nsrTimers: {},
        nsrBounds: {},
        mutant: undefined,
      },
      peers: [
        {
          name: 'pa',
          link: {
            ...DEFAULT_LINK,
            latencyNs: 1e6,
            bandwidthBps: 100e6,
            loss: 0.001,
            duplicate: 0.01,
            reorder: 0.02,
            jitterNs: 10_000,
            mtu: 1400,
            queueBytesMax: 1 << 20,
            reorderDelayNs: 2e6,
          },
          sessions: 4,
          initiator: 'router',
          toRouter: { ratePerSec: 200, sizeMin: 64, sizeMax: 1460 },
          fromRouter: { ratePerSec: 0.5, sizeMin: 100, sizeMax: 100 },
          peerRead: { chunkBytes: 4096, intervalNs: 10e6 },
          routerRead: { chunkBytes: 0, intervalNs: 0 },
        },
      ],
      faults: [
        { when: { atNs: 5e9 }, action: { kind: 're-crash', target: 'master' } },
        {
          when: { betweenNs: [2e9, 8e9] },
          action: { kind: 'wire-loss', peer: 'pa', loss: 0.5, durationNs: 1e9 },
        },
        {
          when: { atNs: 6e9 },
          action: { kind: 'app-stall', side: 'peer', peer: undefined, durationNs: 2e9 },
        },
        { when: { atNs: 7e9 }, action: { kind: 'pfe-switch-delay', switchNs: 200e6 } },
      ],
    };
    expect(s.config).toEqual(want);
    expect(s).toMatchObject({
      name: 'full',
      description: 'every key',
      checks: ['peer-transparent'],
      expect: { fail: ['peer-transparent'] },
      traceHash: 'ab'.repeat(32),
      file: 'full.yaml',
    });
  });

  it('a minimal file gets the model defaults', () => {
    const s = parseScenario(MINIMAL, 'm.yaml');
    expect(s.config.router).toEqual({
      ...DEFAULT_ROUTER,
      interRe: { ...DEFAULT_LINK, ...DEFAULT_ROUTER.interRe },
      reLink: { ...DEFAULT_LINK, ...DEFAULT_ROUTER.reLink },
    });
    expect(s.config.maxEvents).toBe(DEFAULT_MAX_EVENTS);
    expect(s.config.peers[0]?.link).toEqual(DEFAULT_LINK);
    expect(s.checks).toBe('all');
    expect(s.expect).toBe('pass');
    expect(s.traceHash).toBeUndefined();
  });
});

describe('NSR keys', () => {
  const NSR = 'name: n\nseed: 1\nduration: 10s\npeers: [{ name: pa }]\n';

  it('every key maps to its RouterConfig field, in model units', () => {
    const text = `${NSR}router:
  nsr: true
  design: jsr
  options:
    kkcmChannels: balanced
    kkcmContext: interrupt
    encoding: tlv
    versions: [1, 2]
    nackBufferFull: requeue
    nackError: push
    prlAck: coalesce
    prlQueue: global
    oooAccounting: count-incoming
    prlL3Header: false
    windowUpdate: socket-timer
    prlTimeoutSide: whole-re
    kkcmSend: client-context
    kkcmCleanup: deferred
    socketOptionsDuringBulk: replicated
  mutant: prl-l4-after-nack
  costs: { prlPrimary: 5us, prlSecondary: 6us, prlAck: 1500ns, kkcmSwitch: 20us, kkcmInterrupt: 0s, kkcmPerMessage: 2us, sdrl: 1us, psrm: 1ms, iha: 10us }
  timers: { kkcmPeriod: 100ms, prlTimeout: 1s, psrmTimeout: 2s, windowDelay: 100ms, windowTimer: 50ms }
  bounds: { prlBuffer: 1MB, prlPending: 4096, kkcmQueue: 65536, sdrlInflight: 64KB }
faults:
  - { at: 1s, kind: kkcm-io-error }
  - { at: 1s, kind: kkcm-io-error, target: re1 }
  - { at: 2s, kind: inter-re-down }
  - { at: 2s, kind: inter-re-down, duration: 300ms }
  - { at: 3s, kind: inter-re-partition, from: backup, duration: 0s }
  - { between: [3s, 4s], kind: inter-re-hold, duration: 500ms }
  - { at: 4s, kind: inter-re-hold }
  - { at: 5s, kind: backup-stall, duration: 1.5s }
  - { at: 6s, kind: nsr-deconfig }
  - { at: 7s, kind: nsr-reconfig }
`;
    const s = parseScenario(text, 'nsr.yaml');
    expect(s.config.router).toMatchObject({
      nsr: true,
      nsrOptions: {
        kkcmChannels: 'balanced',
        kkcmContext: 'interrupt',
        encoding: 'tlv',
        versions: [1, 2],
        nackBufferFull: 'requeue',
        nackError: 'push',
        prlAck: 'coalesce',
        prlQueue: 'global',
        oooAccounting: 'count-incoming',
        prlL3Header: false,
        windowUpdate: 'socket-timer',
        prlTimeoutSide: 'whole-re',
        kkcmSend: 'client-context',
        kkcmCleanup: 'deferred',
        socketOptionsDuringBulk: 'replicated',
      },
      mutant: 'prl-l4-after-nack',
      nsrCosts: {
        prlPrimaryNs: 5_000,
        prlSecondaryNs: 6_000,
        prlAckNs: 1_500,
        kkcmSwitchNs: 20_000,
        kkcmInterruptNs: 0,
        kkcmPerMessageNs: 2_000,
        sdrlNs: 1_000,
        psrmNs: 1_000_000,
        ihaNs: 10_000,
      },
      nsrTimers: {
        kkcmPeriodNs: 100e6,
        prlTimeoutNs: 1e9,
        psrmTimeoutNs: 2e9,
        windowDelayNs: 100e6,
        windowTimerNs: 50e6,
      },
      nsrBounds: {
        prlBufferBytes: 1 << 20,
        prlPendingMax: 4096,
        kkcmQueueMax: 65536,
        sdrlInflightBytes: 65536,
      },
    });
    // Every field of each table is settable: the keys cover the model's tables exactly.
    expect(Object.keys(s.config.router.nsrOptions).sort()).toEqual(
      Object.keys(DEFAULT_NSR_OPTIONS).sort(),
    );
    expect(Object.keys(s.config.router.nsrCosts).sort()).toEqual(
      Object.keys(DEFAULT_NSR_COSTS).sort(),
    );
    expect(Object.keys(s.config.router.nsrTimers).sort()).toEqual(
      Object.keys(DEFAULT_NSR_TIMERS).sort(),
    );
    expect(Object.keys(s.config.router.nsrBounds).sort()).toEqual(
      Object.keys(DEFAULT_NSR_BOUNDS).sort(),
    );
    expect(s.config.faults.map((f) => f.action)).toEqual([
      { kind: 'kkcm-io-error', target: 'master' },
      { kind: 'kkcm-io-error', target: 're1' },
      { kind: 'inter-re-down', durationNs: 0 },
      { kind: 'inter-re-down', durationNs: 300e6 },
      { kind: 'inter-re-partition', from: 'backup', durationNs: 0 },
      { kind: 'inter-re-hold', durationNs: 500e6 },
      { kind: 'inter-re-hold', durationNs: 0 },
      { kind: 'backup-stall', durationNs: 1.5e9 },
      { kind: 'nsr-deconfig' },
      { kind: 'nsr-reconfig' },
    ]);
    expect(s.config.faults[5]?.when).toEqual({ betweenNs: [3e9, 4e9] });
  });

  it('only the keys a file sets are passed on; the model fills in its defaults', () => {
    const s = parseScenario(
      `${NSR}router: { nsr: true, options: { prlAck: coalesce }, timers: { prlTimeout: 500ms } }\n`,
      'n.yaml',
    );
    expect(s.config.router).toMatchObject({
      nsr: true,
      nsrOptions: { prlAck: 'coalesce' },
      nsrCosts: {},
      nsrTimers: { prlTimeoutNs: 500e6 },
      nsrBounds: {},
      mutant: undefined,
    });
    expect(parseScenario(`${NSR}router: { nsr: true }\n`, 'n.yaml').config.router).toMatchObject({
      nsr: true,
      nsrOptions: {},
      mutant: undefined,
    });
  });

  it.each(
    OPTIONS.flatMap((o) =>
      o.name === 'versions' ? [] : o.values.map((v) => [o.name, v] as const),
    ),
  )('option %s accepts %s', (name, value) => {
    const s = parseScenario(
      `${NSR}router: { nsr: true, options: { ${name}: ${value} } }\n`,
      'n.yaml',
    );
    expect((s.config.router.nsrOptions as Record<string, unknown>)[name]).toBe(
      name === 'prlL3Header' ? value === 'true' : value,
    );
  });

  it.each(Object.keys(MUTANTS))('mutant %s is accepted', (m) => {
    expect(
      parseScenario(`${NSR}router: { nsr: true, mutant: ${m} }\n`, 'n.yaml').config.router.mutant,
    ).toBe(m);
  });

  it('versions is a pair of integers', () => {
    expect(issuesOfText(`${NSR}router: { nsr: true, options: { versions: [1, 2, 2] } }\n`)).toEqual(
      [
        'x.yaml:5:43: router.options.versions must be [v0, v1] (the versions re0 and re1 speak), got a list of 3',
      ],
    );
    expect(issuesOfText(`${NSR}router: { nsr: true, options: { versions: 2 } }\n`)).toEqual([
      'x.yaml:5:43: router.options.versions must be a list, got the number 2',
    ]);
    expect(issuesOfText(`${NSR}router: { nsr: true, options: { versions: [0, 1.5] } }\n`)).toEqual([
      'x.yaml:5:44: router.options.versions[0] (the version re0 speaks) must be between 1 and 2, got 0',
      'x.yaml:5:47: router.options.versions[1] (the version re1 speaks) must be an integer, got the number 1.5',
    ]);
  });

  it('an explicit nsr: false is named as such; a bad nsr value is reported once, without follow-on errors', () => {
    expect(issuesOfText(`${NSR}router: { nsr: false, mutant: prl-l4-after-nack }\n`)).toEqual([
      'x.yaml:5:23: router.mutant applies only with socket replication; set router.nsr: true (it is false)',
    ]);
    expect(
      issuesOfText(
        `${NSR}router: { nsr: yes, mutant: prl-l4-after-nack }\nfaults: [{ at: 1s, kind: nsr-deconfig }]\n`,
      ),
    ).toEqual(['x.yaml:5:16: router.nsr must be true or false, got the string "yes"']);
  });

  it('NSR fault kinds need nsr: true even when there is no router key at all', () => {
    expect(issuesOfText(`${NSR}faults: [{ at: 1s, kind: backup-stall, duration: 1s }]\n`)).toEqual([
      'x.yaml:5:26: fault kind "backup-stall" needs socket replication; set router.nsr: true',
    ]);
  });

  it('NSR fault kinds take only their own parameters; unknown kinds hint at the NSR ones too', () => {
    expect(
      issuesOfText(
        `${NSR}router: { nsr: true }\nfaults: [{ at: 1s, kind: nsr-deconfig, duration: 1s }]\n`,
      ),
    ).toEqual([
      'x.yaml:6:40: unknown key "duration" in faults[0]; allowed keys: kind, at, between',
    ]);
    expect(
      issuesOfText(
        `${NSR}router: { nsr: true }\nfaults: [{ at: 1s, kind: inter-re-partition, from: re2 }]\n`,
      ),
    ).toEqual([
      'x.yaml:6:52: faults[0].from must be one of "master", "backup", "re0", "re1", got the string "re2"; did you mean "re0"?',
    ]);
    expect(
      issuesOfText(
        `${NSR}router: { nsr: true }\nfaults: [{ at: 1s, kind: backup-stal, duration: 1s }]\n`,
      )[0],
    ).toContain('unknown fault kind "backup-stal"; did you mean "backup-stall"?');
  });

  it('NSR maps must be mappings and close their keys', () => {
    expect(
      issuesOfText(`${NSR}router: { nsr: true, options: coalesce, costs: { prlPrimry: 1us } }\n`),
    ).toEqual([
      'x.yaml:5:31: router.options must be a mapping, got the string "coalesce"',
      'x.yaml:5:50: unknown key "prlPrimry" in router.costs; did you mean "prlPrimary"?',
    ]);
  });
});

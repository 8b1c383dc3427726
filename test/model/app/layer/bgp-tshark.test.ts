// Proves with an outside judge (tshark) that the router's BGP on the simulated wire is real BGP (issue 15, SPEC B-1): bgp-steady's pcap decodes with as many OPEN, UPDATE and KEEPALIVE messages as the speakers counted, both OPENs of each session show the graceful restart capability, nothing is malformed; bgp-malformed's pcap shows exactly the one malformed UPDATE meant, answered by the NOTIFICATION RFC 4271 §6.3 names (code 3, subcode 3: missing well-known attribute); and under design gr the new master's OPENs carry the Restart State bit and End-of-RIB follows its table again.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../../../scenarios/load/load.ts';
import { runScenario, type RunReport } from '../../../../scenarios/run.ts';

const TSHARK = '/usr/bin/tshark';

function tshark(file: string, ...args: string[]): string[] {
  const r = spawnSync(TSHARK, ['-n', '-r', file, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.length > 0);
}

function runWithPcap<T>(scenario: string, body: (file: string, r: RunReport) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'nsrsim-bgp-run-'));
  try {
    const file = join(dir, 'run.pcap');
    const r = runScenario(loadScenarioFile(scenario), { pcapPath: file });
    return body(file, r);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function types(file: string, filter = 'bgp'): string[] {
  return tshark(file, '-Y', filter, '-T', 'fields', '-e', 'bgp.type').flatMap((l) => l.split(','));
}

describe('the router BGP on the wire, judged by tshark', () => {
  it('bgp-steady: counts agree with the speakers, GR shown in every OPEN, nothing malformed', () => {
    runWithPcap('scenarios/library/bgp/bgp-steady.yaml', (file, r) => {
      expect(r.verdict).toBe('pass');
      const peers = r.stats.bgp?.peers ?? [];
      expect(peers).toHaveLength(2);
      const sum = (k: 'open' | 'update' | 'keepalive' | 'notification') =>
        peers.reduce((n, p) => n + p.sent[k] + p.received[k], 0);
      const t = types(file);
      const count = (x: string) => t.filter((y) => y === x).length;
      expect(tshark(file, '-Y', '_ws.malformed')).toEqual([]);
      expect(count('1')).toBe(4);
      expect(count('2')).toBe(sum('update'));
      expect(count('2')).toBeGreaterThan(40);
      expect(count('4')).toBe(sum('keepalive'));
      expect(count('3')).toBe(0);
      // RFC 4724 §3: capability 64 in every OPEN, restart time 120 s, no Restart State bit.
      const gr = tshark(
        file,
        '-Y',
        'bgp.type == 1',
        '-T',
        'fields',
        '-e',
        'bgp.cap.gr.timers.restart_time',
      );
      expect(gr).toEqual(['120', '120', '120', '120']);
      const as4 = tshark(file, '-Y', 'bgp.type == 1', '-T', 'fields', '-e', 'bgp.cap.4as');
      expect(as4.sort()).toEqual(['65000', '65000', '65001', '65002']);
    });
  });

  it('bgp-malformed: exactly the one malformed UPDATE meant (no NEXT_HOP), answered by the router with NOTIFICATION 3/3; the session comes back', () => {
    runWithPcap('scenarios/library/bgp/bgp-malformed.yaml', (file, r) => {
      expect(r.verdict).toBe('pass');
      const bad = tshark(
        file,
        '-Y',
        'bgp.type == 2 && bgp.nlri_prefix && !(bgp.update.path_attribute.type_code == 3)',
        '-T',
        'fields',
        '-e',
        'ip.src',
      );
      expect(bad).toEqual(['10.0.1.1']);
      const notes = tshark(
        file,
        '-Y',
        'bgp.type == 3',
        '-T',
        'fields',
        '-e',
        'ip.src',
        '-e',
        'bgp.notify.major_error',
        '-e',
        'bgp.notify.minor_error_update',
      );
      expect(notes).toEqual(['10.0.0.1\t3\t3']);
      // Both sessions opened, then pa's again: six OPENs; nothing tshark calls malformed.
      expect(types(file).filter((t) => t === '1')).toHaveLength(6);
      expect(tshark(file, '-Y', '_ws.malformed')).toEqual([]);
      const pa = r.stats.bgp?.peers.find((p) => p.peer === 'pa');
      expect(pa?.state).toBe('Established');
      expect(pa?.peerSaw.sessionResets).toBe(1);
      expect(pa?.peerSaw.routesLost).toBe(0);
    });
  });

  it('bgp-gr-master-crash: the new master reopens each session with the Restart State bit (RFC 4724 §4.1) and sends End-of-RIB again', () => {
    runWithPcap('scenarios/library/bgp/bgp-gr-master-crash.yaml', (file) => {
      const opens = tshark(
        file,
        '-Y',
        'bgp.type == 1 && ip.src == 10.0.0.1',
        '-T',
        'fields',
        '-e',
        'bgp.cap.gr.timers.restart_flag',
        '-e',
        'bgp.cap.gr.flag.pfs',
      );
      expect(opens).toEqual(['0\t1', '0\t1', '1\t1', '1\t1']);
      const eor = tshark(
        file,
        '-Y',
        'bgp.type == 2 && bgp.length == 23',
        '-T',
        'fields',
        '-e',
        'ip.src',
      );
      expect(eor.filter((a) => a === '10.0.0.1')).toHaveLength(4);
      expect(tshark(file, '-Y', '_ws.malformed')).toEqual([]);
    });
  });
});

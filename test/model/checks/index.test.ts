// Proves the checker registry (model/checks/index.ts): attachCheckers attaches exactly the
// checkers named (all of them for 'all', each id registered with the simulation under its
// own name) and refuses an unknown id by name.
import { describe, expect, it } from 'vitest';
import { BGP_CHECKERS } from '../../../model/checks/bgp.ts';
import { attachCheckers, checkerIds, CHECKERS } from '../../../model/checks/index.ts';
import { MSDP_CHECKERS } from '../../../model/checks/msdp.ts';
import { World } from '../../../model/world.ts';
import { worldConfig } from '../world-fixture.ts';

/** A world whose simulation records the id of every check added to it. */
function recording(): { world: World; added: Set<string> } {
  const world = new World(worldConfig({ router: { nsr: true } }));
  const added = new Set<string>();
  const sim = world.sim;
  const safety = sim.addSafetyCheck.bind(sim);
  const liveness = sim.addLivenessCheck.bind(sim);
  sim.addSafetyCheck = (c) => {
    added.add(c.id);
    safety(c);
  };
  sim.addLivenessCheck = (c) => {
    added.add(c.id);
    liveness(c);
  };
  return { world, added };
}

describe('attachCheckers', () => {
  it('attaches only the checkers named', () => {
    const { world, added } = recording();
    attachCheckers(world, ['in-order', 'liveness']);
    expect([...added].sort()).toEqual(['in-order', 'liveness']);
  });

  it("'all' attaches every registered checker (those a world without BGP or MSDP has use for)", () => {
    const { world, added } = recording();
    attachCheckers(world, 'all');
    expect(added.size).toBeGreaterThan(10);
    for (const id of added) expect(checkerIds()).toContain(id);
    expect([...added]).toEqual(expect.arrayContaining(['identical-data', 'in-order', 'liveness']));
  });

  it('refuses an unknown id, naming it', () => {
    const { world } = recording();
    expect(() => attachCheckers(world, ['in-order', 'no-such'])).toThrow(
      'unknown checker "no-such"',
    );
  });
});

describe('the registry users read (`nsrsim describe` lists id, SPEC IDs and description)', () => {
  const all = CHECKERS;

  it('holds the BGP and MSDP checkers too', () => {
    expect(all).toEqual(expect.arrayContaining([...BGP_CHECKERS, ...MSDP_CHECKERS]));
  });

  it('each checker names the SPEC requirements it judges, the one it proves first', () => {
    expect(Object.fromEntries(all.map((c) => [c.id, c.spec]))).toEqual({
      'identical-data': ['G-2'],
      'no-loss-sync': ['G-3'],
      'in-order': ['G-4'],
      'peer-transparent': ['G-9'],
      'rcvbufspc-agree': ['P-10', 'P-5'],
      'tcp-follower': ['P-13', 'S-2', 'M-2'],
      'synced-takeover': ['F-6', 'F-4'],
      'app-stream': ['S-3', 'G-2', 'G-3'],
      'single-transmitter': ['F-3', 'G-9'],
      'standby-diverged': ['R-7', 'R-5'],
      liveness: ['G-1', 'P-10'],
      bounded: ['P-8'],
      'adj-rib-in': ['B-3', 'B-1', 'B-2'],
      'sa-cache': ['D-4', 'D-3', 'D-6'],
      'msdp-adjacency': ['D-4', 'G-9'],
      'sa-stream': ['D-4', 'S-1', 'G-9'],
    });
  });

  it('every description is a sentence of its own: none empty, no two alike', () => {
    for (const c of all) expect(c.description.length, c.id).toBeGreaterThan(30);
    expect(new Set(all.map((c) => c.description)).size).toBe(all.length);
  });
});

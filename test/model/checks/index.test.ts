// Proves the checker registry (model/checks/index.ts): attachCheckers attaches exactly the
// checkers named (all of them for 'all', each id registered with the simulation under its
// own name) and refuses an unknown id by name.
import { describe, expect, it } from 'vitest';
import { attachCheckers, checkerIds } from '../../../model/checks/index.ts';
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

// Proves every module of model/nsr and model/checks loads: several check their own tables
// when they are imported (options.ts runs checkNsrConfig on its defaults and registry,
// wire.ts checks each message layout), so a wrong entry stops every world before it starts.
// The imports are inside tests on purpose: StrykerJS's vitest runner counts a test file
// that fails to import as a file with no tests, not as a failure, so a mutant of such a
// table (a static mutant) that makes the import throw was reported as surviving although
// nothing can run with it (options.ts's defaults in runs 11 and 12). Here that failure is
// a failed test (reports/mutation/README.md). Each import is a literal, so vitest's
// `related` mode (which Stryker uses) knows this file depends on the module.
import { describe, expect, it } from 'vitest';

const MODULES: Readonly<Record<string, () => Promise<Record<string, unknown>>>> = {
  'model/nsr/client.ts': () => import('../../../model/nsr/client.ts'),
  'model/nsr/hooks.ts': () => import('../../../model/nsr/hooks.ts'),
  'model/nsr/iha-state.ts': () => import('../../../model/nsr/iha-state.ts'),
  'model/nsr/iha.ts': () => import('../../../model/nsr/iha.ts'),
  'model/nsr/kkcm.ts': () => import('../../../model/nsr/kkcm.ts'),
  'model/nsr/options.ts': () => import('../../../model/nsr/options.ts'),
  'model/nsr/prl-queue.ts': () => import('../../../model/nsr/prl-queue.ts'),
  'model/nsr/prl.ts': () => import('../../../model/nsr/prl.ts'),
  'model/nsr/psrm-snapshot.ts': () => import('../../../model/nsr/psrm-snapshot.ts'),
  'model/nsr/psrm.ts': () => import('../../../model/nsr/psrm.ts'),
  'model/nsr/sdrl-state.ts': () => import('../../../model/nsr/sdrl-state.ts'),
  'model/nsr/sdrl.ts': () => import('../../../model/nsr/sdrl.ts'),
  'model/nsr/state.ts': () => import('../../../model/nsr/state.ts'),
  'model/nsr/wire.ts': () => import('../../../model/nsr/wire.ts'),
  'model/checks/adj-rib-in.ts': () => import('../../../model/checks/adj-rib-in.ts'),
  'model/checks/app-stream.ts': () => import('../../../model/checks/app-stream.ts'),
  'model/checks/bgp.ts': () => import('../../../model/checks/bgp.ts'),
  'model/checks/bounded.ts': () => import('../../../model/checks/bounded.ts'),
  'model/checks/identical-data.ts': () => import('../../../model/checks/identical-data.ts'),
  'model/checks/in-order.ts': () => import('../../../model/checks/in-order.ts'),
  'model/checks/index.ts': () => import('../../../model/checks/index.ts'),
  'model/checks/liveness.ts': () => import('../../../model/checks/liveness.ts'),
  'model/checks/msdp-adjacency.ts': () => import('../../../model/checks/msdp-adjacency.ts'),
  'model/checks/msdp.ts': () => import('../../../model/checks/msdp.ts'),
  'model/checks/no-loss-sync.ts': () => import('../../../model/checks/no-loss-sync.ts'),
  'model/checks/pairs.ts': () => import('../../../model/checks/pairs.ts'),
  'model/checks/peer-transparent.ts': () => import('../../../model/checks/peer-transparent.ts'),
  'model/checks/rcvbufspc-agree.ts': () => import('../../../model/checks/rcvbufspc-agree.ts'),
  'model/checks/sa-cache.ts': () => import('../../../model/checks/sa-cache.ts'),
  'model/checks/sa-stream.ts': () => import('../../../model/checks/sa-stream.ts'),
  'model/checks/secondary-ahead.ts': () => import('../../../model/checks/secondary-ahead.ts'),
  'model/checks/single-transmitter.ts': () => import('../../../model/checks/single-transmitter.ts'),
  'model/checks/standby-diverged.ts': () => import('../../../model/checks/standby-diverged.ts'),
  'model/checks/synced-takeover.ts': () => import('../../../model/checks/synced-takeover.ts'),
  'model/checks/tcp-follower.ts': () => import('../../../model/checks/tcp-follower.ts'),
};

describe('model/nsr and model/checks load (their load-time checks pass)', () => {
  for (const [path, load] of Object.entries(MODULES)) {
    it(`${path} imports`, async () => {
      const m = await load();
      expect(Object.keys(m).length, `${path} exports something`).toBeGreaterThan(0);
    });
  }
});

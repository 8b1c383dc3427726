// IHA's part of a replicated socket (Rep.iha, and the handle-table fields peerHandle and
// role; SPEC I-1 … I-5): the named functions through which the other subsystems change it.
// IHA (iha.ts) writes it directly; PRL's timeout and PSRM's initial sync and failover
// handler call these instead.
import { assert } from '../../sim/index.ts';
import { checkRep, type NsrState, type Rep } from './state.ts';

/** P-7: PRL timed the socket out; replication on it is off until IHA cleans it up (I-6). */
export function ihaDeactivate(nsr: Pick<NsrState, 'syncChange'>, rep: Rep): void {
  assert(rep.role === 'primary', () => `ihaDeactivate: ${rep.session} is not a primary`);
  // PRL released the socket's packets first (prlRelease): none is left to time out again.
  assert(
    rep.prl.queue.length === 0 && rep.prl.pending.length === 0,
    () => `ihaDeactivate: PRL still holds packets of ${rep.session}`,
  );
  // A timeout needs a replicated packet, and packets are replicated only once set-up is over.
  assert(!rep.iha.setupInProgress, () => `ihaDeactivate: ${rep.session} is still in set-up`);
  rep.iha.active = false;
  nsr.syncChange(rep.session);
  checkRep(rep);
}

/** M-1: PSRM applied the primary's snapshot to this secondary: replication is active (I-3). */
export function ihaActivateSecondary(nsr: Pick<NsrState, 'syncChange'>, rep: Rep): void {
  assert(rep.role === 'secondary', () => `ihaActivateSecondary: ${rep.session} is not a secondary`);
  assert(!rep.iha.failingOver, () => `ihaActivateSecondary: ${rep.session} is failing over`);
  rep.iha.active = true;
  nsr.syncChange(rep.session);
  checkRep(rep);
}

/** I-5: PSRM's failover handler made the secondary socket the primary. */
export function ihaBecomePrimary(rep: Rep): void {
  assert(rep.role === 'secondary', () => `ihaBecomePrimary: ${rep.session} is already primary`);
  assert(!rep.iha.active, () => `ihaBecomePrimary: ${rep.session} is still marked active`);
  // Only IHA's failover sends PSRM the failover request, and it marks the socket first (I-5).
  assert(rep.iha.failingOver, () => `ihaBecomePrimary: IHA did not fail ${rep.session} over`);
  rep.role = 'primary';
  checkRep(rep);
}

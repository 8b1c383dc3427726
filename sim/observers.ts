// Observation points with any number of subscribers (GUIDE §1: the model publishes, checkers
// and tests subscribe; none overwrites another's hook). Subscribers are called in the order
// they subscribed, synchronously, so observation never reorders the simulation.
import { assert } from './assert.ts';

export class Observers<A extends unknown[]> {
  private fns: Array<(...args: A) => void> = [];

  /**
   * Adds a subscriber; returns the function that removes it again, once. The same function
   * may not subscribe twice: its remover would take both subscriptions away.
   */
  subscribe(fn: (...args: A) => void): () => void {
    assert(typeof fn === 'function', 'Observers.subscribe: not a function');
    assert(!this.fns.includes(fn), 'Observers.subscribe: the function is subscribed already');
    this.fns.push(fn);
    return () => {
      const n = this.fns.length;
      this.fns = this.fns.filter((f) => f !== fn);
      assert(this.fns.length === n - 1, 'Observers: a remover was called twice');
    };
  }

  /** Calls every subscriber with `args`. */
  publish(...args: A): void {
    for (const fn of this.fns) fn(...args);
  }

  /** True when nobody listens (hot paths skip building what they would publish). */
  get empty(): boolean {
    return this.fns.length === 0;
  }
}

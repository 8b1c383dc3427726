// Observation points with any number of subscribers (GUIDE §1: the model publishes, checkers
// and tests subscribe; none overwrites another's hook). Subscribers are called in the order
// they subscribed, synchronously, so observation never reorders the simulation.
export class Observers<A extends unknown[]> {
  private fns: Array<(...args: A) => void> = [];

  /** Adds a subscriber; returns the function that removes it again. */
  subscribe(fn: (...args: A) => void): () => void {
    this.fns.push(fn);
    return () => {
      this.fns = this.fns.filter((f) => f !== fn);
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

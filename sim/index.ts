// Public surface of the domain-free kernel. model/ and everything else import from here.
export * from './time.ts';
export * from './rng.ts';
export * from './queue.ts';
export * from './fifo.ts';
export * from './trace.ts';
export { TRACE_FORMAT } from './trace-codec.ts';
export * from './sim.ts';
export * from './observers.ts';
export * from './assert.ts';

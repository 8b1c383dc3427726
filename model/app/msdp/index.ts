// Public surface of the MSDP engine (RFC 3618 over NSR, seed 003): what the
// application-protocol layer, the checkers, the scenarios and the tests import.
export * from './defs.ts';
export * from './kinds.ts';
export * from './codec.ts';
export * from './rpf.ts';
export * from './sources.ts';
export * from './cache.ts';
export * from './ledger.ts';
export * from './completion.ts';
export * from './guard.ts';
export * from './io.ts';
export * from './session.ts';
export * from './speaker.ts';

// Proves the scenario units parse exactly (binary sizes, decimal bandwidth, rates), refuse what they cannot read, and round-trip through their formatters.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../scenarios/load/walk.ts';
import {
  formatBandwidth,
  formatSize,
  parseBandwidth,
  parseRate,
  parseSize,
  UnitError,
} from '../../scenarios/load/units.ts';

describe('sizes', () => {
  it('KB = KiB = 1024 bytes, MB = MiB = 1024 KiB, bare integers are bytes', () => {
    expect(parseSize('64KB')).toBe(65536);
    expect(parseSize('64KiB')).toBe(65536);
    expect(parseSize('1MB')).toBe(1 << 20);
    expect(parseSize('1.5MiB')).toBe(1.5 * (1 << 20));
    expect(parseSize('1460B')).toBe(1460);
    expect(parseSize(4096)).toBe(4096);
  });
  it('refuses fractions of a byte, negatives, unknown units', () => {
    for (const bad of ['0.1KB', '-1KB', '64kb', '64 GB', 'lots'])
      expect(() => parseSize(bad)).toThrow(UnitError);
    expect(() => parseSize(1.5)).toThrow(UnitError);
    expect(() => parseSize(-3)).toThrow(UnitError);
  });
  test.prop([fc.integer({ min: 0, max: 2 ** 40 })])('formatSize round-trips', (n) => {
    expect(parseSize(formatSize(n))).toBe(n);
  });
});

describe('bandwidth', () => {
  it('is decimal and exact', () => {
    expect(parseBandwidth('100Mbps')).toBe(100_000_000);
    expect(parseBandwidth('1.1Mbps')).toBe(1_100_000);
    expect(parseBandwidth('1Gbps')).toBe(1e9);
    expect(parseBandwidth('64kbps')).toBe(64_000);
    expect(parseBandwidth('9600bps')).toBe(9600);
    expect(parseBandwidth('unlimited')).toBe(0);
  });
  it('refuses zero (write unlimited), fractions of a bit, unknown units', () => {
    for (const bad of ['0bps', '0.5bps', '100MBps', '100', 'fast'])
      expect(() => parseBandwidth(bad)).toThrow(UnitError);
  });
  test.prop([fc.integer({ min: 0, max: 2 ** 50 })])('formatBandwidth round-trips', (n) => {
    expect(parseBandwidth(formatBandwidth(n))).toBe(n);
  });
});

describe('rates', () => {
  it('are records per second', () => {
    expect(parseRate('200/s')).toBe(200);
    expect(parseRate('0.5/s')).toBe(0.5);
    expect(parseRate('0/s')).toBe(0);
    for (const bad of ['200', '200/min', '-1/s']) expect(() => parseRate(bad)).toThrow(UnitError);
  });
});

describe('did you mean', () => {
  it('Levenshtein distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
  it('suggests close keys only', () => {
    expect(closest('latncy', ['latency', 'loss'])).toBe('latency');
    expect(closest('duraton', ['duration', 'description'])).toBe('duration');
    expect(closest('zzzzzz', ['latency', 'loss'])).toBeUndefined();
  });
});

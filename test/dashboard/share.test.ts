import { describe, expect, it } from 'vitest';
import { percentText, shareText } from '../../src/dashboard/share.js';

describe('a share as the dashboard writes it', () => {
  it('writes two decimals at most', () => {
    expect(percentText(2336, 2417)).toBe('96.65 %');
    expect(percentText(1, 3)).toBe('33.33 %');
    expect(percentText(5, 5)).toBe('100 %');
    expect(percentText(0, 5)).toBe('0 %');
  });

  it('never rounds to 100 % or 0 % what is not all or nothing', () => {
    expect(percentText(24_999, 25_000)).toBe('> 99.99 %');
    expect(percentText(1, 25_000)).toBe('< 0.01 %');
    expect(percentText(9_999, 10_000)).toBe('99.99 %');
  });

  it('has no share of nothing', () => {
    expect(percentText(0, 0)).toBe('–');
  });
});

describe('a percentage as the dashboard writes it', () => {
  it('never rounds to 100 % or 0 % what is not all or nothing, and writes more than 100 % as it is', () => {
    expect(shareText(99.997)).toBe('> 99.99 %');
    expect(shareText(0.003)).toBe('< 0.01 %');
    expect(shareText(100)).toBe('100 %');
    expect(shareText(0)).toBe('0 %');
    expect(shareText(145.1904)).toBe('145.19 %');
  });
});

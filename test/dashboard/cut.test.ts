import { describe, expect, it } from 'vitest';
import { clipped, clippedMiddle } from '../../src/dashboard/cut.js';

const WHOLE_ESCAPES = /^(?:[^\\]|\\u[0-9a-f]{4})*…?(?:[^\\]|\\u[0-9a-f]{4})*$/u;

describe('values cut for the page', () => {
  it('cuts after escaping, never inside an escape or a character, within the characters allowed', () => {
    for (let pad = 0; pad < 8; pad++) {
      const value = 'x'.repeat(pad) + 'abc\u00ad\u200b'.repeat(30) + '🎉'.repeat(10);
      const { text, title } = clipped(value, 20);
      expect(text, String(pad)).toMatch(WHOLE_ESCAPES);
      expect([...text].length).toBeLessThanOrEqual(20);
      expect(text.endsWith('…')).toBe(true);
      expect(title).toMatch(WHOLE_ESCAPES);
      const middle = clippedMiddle(value, 24, 10);
      expect(middle, String(pad)).toMatch(WHOLE_ESCAPES);
      expect([...middle].length).toBeLessThanOrEqual(21);
    }
    expect(clipped('short', 20)).toEqual({ text: 'short' });
    expect(clippedMiddle('a🎉'.repeat(13), 24, 10)).toBe('a🎉a🎉a🎉a🎉a🎉…a🎉a🎉a🎉a🎉a🎉');
  });

  it('shows a value\'s trailing spaces, so that "dup" and "dup " do not read alike', () => {
    expect(clipped('dup ', 20)).toEqual({ text: 'dup\\u0020' });
    expect(clippedMiddle('dup ', 24, 10)).toBe('dup\\u0020');
    expect(clipped('dup', 20)).toEqual({ text: 'dup' });
  });
});

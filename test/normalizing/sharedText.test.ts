import { describe, expect, it } from 'vitest';
import { sharedText } from '../../src/lib/normalizing/sharedText.js';

describe('sharedText', () => {
  it('gives back the value itself, short or long, before and after its table starts over', () => {
    const long = 'x'.repeat(65);
    expect(sharedText(long)).toBe(long);
    for (let i = 0; i < 40_000; i++) expect(sharedText(`value ${i}`)).toBe(`value ${i}`);
    expect(sharedText('')).toBe('');
    expect(sharedText('StartRecording')).toBe('StartRecording');
  });
});

import { describe, expect, it } from 'vitest';
import { durationText } from '../src/lib/durationText.js';

describe('durationText', () => {
  it.each([
    [0, '0 s'],
    [0.4, '< 1 s'],
    [0.0001, '< 1 s'],
    [0.5, '1 s'],
    [41, '41 s'],
    [60, '1 min'],
    [725, '12 min 5 s'],
    [3 * 3600, '3 h'],
    [3 * 3600 + 5, '3 h'],
    [3 * 3600 + 12 * 60, '3 h 12 min'],
    [2 * 86_400 + 4 * 3600 + 59, '2 d 4 h'],
    [79_553_954, '920 d 18 h'],
    [-5, '0 s'],
  ])('%d seconds read %s', (seconds, text) => {
    expect(durationText(seconds)).toBe(text);
  });
});

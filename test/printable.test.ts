import { describe, expect, it } from 'vitest';
import { printable } from '../src/lib/printable.js';

describe('printable', () => {
  it('writes controls, invisible format characters and lone surrogates as \\uXXXX, and leaves pairs and joiners', () => {
    expect(printable('a\u001b[31mb\u202ec\u200bd')).toBe('a\\u001b[31mb\\u202ec\\u200bd');
    expect(printable('x\ud800y')).toBe('x\\ud800y');
    expect(printable('x\udc00')).toBe('x\\udc00');
    expect(printable('\udc00\ud800')).toBe('\\udc00\\ud800');
    expect(printable('😀 \ud83d\ude00 👩\u200d💻')).toBe('😀 😀 👩\u200d💻');
    expect(printable('\ud83d\ud83d\ude00')).toBe('\\ud83d😀');
  });
});

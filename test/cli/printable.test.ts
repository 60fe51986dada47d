import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { lineLogger } from '../../src/cli/lineLogger.js';
import { printable } from '../../src/cli/printable.js';

describe('printable', () => {
  it('writes controls and the characters that reorder or hide a line as \\u escapes, and keeps text, emoji and scripts', () => {
    expect(printable('a\u001b[31mb\u0007\u0085\u009b')).toBe('a\\u001b[31mb\\u0007\\u0085\\u009b');
    expect(printable('invoice\u202eexe.txt\u202c \u2066x\u2069 \u200e\u200f \u200b\ufeff \u2028\u2029')).toBe(
      'invoice\\u202eexe.txt\\u202c \\u2066x\\u2069 \\u200e\\u200f \\u200b\\ufeff \\u2028\\u2029',
    );
    const kept = 'é 中文 😀 👨\u200d👩\u200d👧 می\u200cخواهم';
    expect(printable(kept)).toBe(kept);
  });

  it('is what the line logger writes: a file name cannot drive the terminal or split the line', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    lineLogger(out).info('file processed', { file: 'local//tmp/a\u001b[31m\rb\u202e.json', records: 3 });
    lineLogger(out).warn('file failed', { file: 'f', error: 'The service said:\r\nRequestId: 1\n' });
    expect(text).toBe(
      'local//tmp/a\\u001b[31m\\u000db\\u202e.json: file processed (records=3)\n' + 'warning: f: file failed (error=The service said: RequestId: 1 )\n',
    );
  });
});

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isTerminal, render, terminalSafeJson } from '../../src/cli/format.js';

/** Text a log line may carry: a title-setting OSC, a screen clear, C1 CSI, DEL, a bidi override, a zero-width space. */
const HOSTILE = 'Op\u001b]0;PWNED\u0007\u001b[2J \u009b31m \u007f A\u202eevil \u200b end';
// Its line breaks are the layout of pretty JSON.
// eslint-disable-next-line no-control-regex -- the characters a terminal acts on are what is tested
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e\u200b]/;

describe('JSON and CSV output', () => {
  it('JSON holds none of the characters a terminal acts on, and parses back to every character', () => {
    const rows = [{ operationName: HOSTILE, count: 1 }];
    const text = render(rows, 'json', ['operationName', 'count']);
    expect(text).not.toMatch(RAW);
    expect(text).toContain('\\u202e');
    expect(text).toContain('\\u009b');
    expect(JSON.parse(text)).toEqual(rows);
    expect(JSON.parse(terminalSafeJson({ nested: [HOSTILE] }))).toEqual({ nested: [HOSTILE] });
  });

  it('CSV to a terminal shows them escaped; CSV into a pipe or a file keeps every character', () => {
    const rows = [{ sdkType: HOSTILE }];
    const shown = render(rows, 'csv', ['sdkType'], { terminal: true });
    // eslint-disable-next-line no-control-regex -- as above
    expect(shown).not.toMatch(/[\u001b\u0007\u009b\u007f\u202e\u200b]/);
    expect(shown).toContain('Op\\u001b]0;PWNED\\u0007\\u001b[2J');
    expect(render(rows, 'csv', ['sdkType'])).toContain(HOSTILE);
  });

  it('a stream is a terminal only when it says so', () => {
    const pipe = new PassThrough();
    expect(isTerminal(pipe)).toBe(false);
    expect(isTerminal(Object.assign(new PassThrough(), { isTTY: true }))).toBe(true);
  });
});

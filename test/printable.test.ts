import { describe, expect, it } from 'vitest';
import { printable, printableValue } from '../src/lib/printable.js';

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

describe('printable, against values that would read alike', () => {
  it('writes every character drawn as nothing as an escape, so no two of these read as room-1', () => {
    const spoofs = ['room-1\u{e0031}', 'room\u00ad-1', 'room-1\u034f', 'room-1\u180e', 'room\u3164-1', 'room-1\u115f', 'room-1\u2064', 'room-1\u{1d173}'];
    const shown = spoofs.map(printable);
    expect(new Set([...shown, 'room-1']).size).toBe(spoofs.length + 1);
    for (const text of shown) expect(text).toMatch(/\\u[0-9a-f]{4}/);
    expect(printable('room-1\u{e0031}')).toBe('room-1\\udb40\\udc31');
    expect(printable('room\u00ad-1')).toBe('room\\u00ad-1');
  });

  it('writes every space but the plain one as an escape, so no-break, em and ideographic spaces do not read as a space', () => {
    const spoofs = ['room\u00a01', 'room\u20031', 'room\u202f1', 'room\u30001', 'room\u16801', 'room\u205f1'];
    expect(spoofs.map(printable)).toEqual(['room\\u00a01', 'room\\u20031', 'room\\u202f1', 'room\\u30001', 'room\\u16801', 'room\\u205f1']);
    expect(printable('room 1')).toBe('room 1');
  });

  it('keeps the joiners and variation selectors that shape emoji and scripts', () => {
    for (const text of ['❤\ufe0f', '👩\u200d💻', 'क्\u200dष', '葛\u{e0100}']) expect(printable(text)).toBe(text);
  });

  it('leaves JSON the same value, escaping what JSON.stringify leaves', async () => {
    const { printableJson } = await import('../src/lib/printable.js');
    const value = { id: 'a\u00adb\u{e0031}c\u202e\u0085\u00a0', keep: '❤\ufe0f', line: 'x\ny' };
    const json = printableJson(JSON.stringify(value, null, 2));
    expect(JSON.parse(json)).toEqual(value);
    expect(json).not.toMatch(/[\u00ad\u202e\u0085\u00a0]|\u{e0031}/u);
    expect(json).toContain('\n');
  });
});

describe('printableJson and half characters', () => {
  it('writes a lone surrogate as \\ufffd, which strict readers (jq) take, and leaves pairs, escaped astral characters and text that merely looks like an escape', async () => {
    const { printableJson } = await import('../src/lib/printable.js');
    const value = { lone: 'x\ud800y\udc00', pair: '😀', tag: 'room-1\u{e0031}', text: 'lit\\ud800', both: '\\\ud800' };
    const json = printableJson(JSON.stringify(value));
    expect(JSON.parse(json)).toEqual({ lone: 'x\ufffdy\ufffd', pair: '😀', tag: 'room-1\u{e0031}', text: 'lit\\ud800', both: '\\\ufffd' });
    expect(json).toContain('room-1\\udb40\\udc31');
  });

  it("shows a value's trailing spaces, which a cell shows as nothing, and leaves other spaces", () => {
    expect(printableValue('dup ')).toBe('dup\\u0020');
    expect(printableValue('dup  ')).toBe('dup\\u0020\\u0020');
    expect(printableValue('  ')).toBe('\\u0020\\u0020');
    expect(printableValue(' a b')).toBe(' a b');
    expect(printableValue('dup\t')).toBe('dup\\u0009');
    expect(printableValue('dup')).toBe('dup');
  });

  it('writes a backslash that starts what reads as an escape as \\u005c, so a value a log wrote with one does not read as another', () => {
    const pairs: [string, string][] = [
      ['dup ', 'dup\\u0020'],
      ['\u202eevil', '\\u202eevil'],
      ['x\u001b[2J', 'x\\u001b[2J'],
      ['\u00a0', '\\u00A0'],
    ];
    for (const [control, written] of pairs) expect(printableValue(control)).not.toBe(printableValue(written));
    expect(printableValue('dup\\u0020')).toBe('dup\\u005cu0020');
    expect(printableValue('\\\\u0041')).toBe('\\\\u005cu0041');
    expect(printableValue('C:\\users\\x \\u12')).toBe('C:\\users\\x \\u12');
  });

  it('writes the braille blank, which fonts draw as nothing, as \\u2800', () => {
    expect(printable('room\u2800')).toBe('room\\u2800');
    expect(printable('\u2801')).toBe('\u2801');
  });
});

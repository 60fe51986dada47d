import { describe, expect, it } from 'vitest';
import { classifyHead } from '../../src/lib/reading/encodingHead.js';

describe('encoding head', () => {
  it.each([
    [[0xef, 0xbb, 0xbf], 'utf8bom'],
    [[0xff, 0xfe], 'utf16le'],
    [[0xfe, 0xff], 'utf16be'],
    [[0x7b, 0x00, 0x22, 0x00], 'utf16le'],
    [[0x00, 0x7b, 0x00, 0x22], 'utf16be'],
    [[0x7b, 0x22], 'plain'],
    [[0x00, 0x00, 0x7b, 0x00], 'plain'],
  ])('%j is %s', (bytes, head) => {
    expect(classifyHead(bytes, false)).toBe(head);
  });

  it('waits for more bytes only while they could still change the answer, and decides at the end', () => {
    expect(classifyHead([0xef, 0xbb], false)).toBe('undecided');
    expect(classifyHead([0xef, 0xbb], true)).toBe('plain');
    expect(classifyHead([0x7b, 0x00], false)).toBe('undecided');
    expect(classifyHead([0x7b, 0x00], true)).toBe('plain');
    expect(classifyHead([], false)).toBe('undecided');
    expect(classifyHead([], true)).toBe('plain');
  });
});

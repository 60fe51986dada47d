import { describe, expect, it } from 'vitest';
import { classifyHead } from '../../src/lib/reading/encodingHead.js';

describe('encoding head', () => {
  it.each([
    [[0xef, 0xbb, 0xbf], 'utf8bom'],
    [[0xff, 0xfe, 0x7b, 0x00], 'utf16le'],
    [[0xfe, 0xff, 0x00, 0x7b], 'utf16be'],
    [[0xff, 0xfe, 0x0a, 0x00], 'utf16le'],
    // A BOM followed by UTF-8 text: two stray bytes at the head of its first line.
    [[0xff, 0xfe, 0x7b, 0x22], 'plain'],
    [[0xfe, 0xff, 0x7b, 0x22], 'plain'],
    [[0xff, 0xfe, 0x2d, 0x4e], 'plain'],
    [[0x7b, 0x00, 0x22, 0x00], 'utf16le'],
    [[0x00, 0x7b, 0x00, 0x22], 'utf16be'],
    [[0x7b, 0x22], 'plain'],
    [[0x00, 0x00, 0x7b, 0x00], 'plain'],
    [[0x1f, 0x8b, 0x08, 0x00], 'gzip'],
    [[0x50, 0x4b, 0x03, 0x04], 'zip'],
    [[0x28, 0xb5, 0x2f, 0xfd], 'zstd'],
    [[0xfd, 0x37, 0x7a, 0x58], 'xz'],
    [[0x42, 0x5a, 0x68, 0x39], 'bzip2'],
    // The start of a magic, then something else: text (not JSON, but read and judged as such).
    [[0x50, 0x4b, 0x20, 0x7b], 'plain'],
    [[0x1f, 0x7b, 0x22, 0x61], 'plain'],
  ])('%j is %s', (bytes, head) => {
    expect(classifyHead(bytes, false)).toBe(head);
  });

  it('waits for more bytes only while they could still change the answer, and decides at the end', () => {
    expect(classifyHead([0xef, 0xbb], false)).toBe('undecided');
    expect(classifyHead([0xef, 0xbb], true)).toBe('plain');
    expect(classifyHead([0x7b, 0x00], false)).toBe('undecided');
    expect(classifyHead([0x7b, 0x00], true)).toBe('plain');
    expect(classifyHead([0xff, 0xfe], false)).toBe('undecided');
    expect(classifyHead([0xff, 0xfe, 0x7b], false)).toBe('undecided');
    expect(classifyHead([0xff, 0xfe], true)).toBe('utf16le');
    expect(classifyHead([0xfe, 0xff, 0x00], true)).toBe('utf16be');
    expect(classifyHead([0x1f], false)).toBe('undecided');
    expect(classifyHead([0x1f], true)).toBe('plain');
    expect(classifyHead([0x1f, 0x8b], false)).toBe('gzip');
    expect(classifyHead([0x50, 0x4b, 0x03], false)).toBe('undecided');
    expect(classifyHead([0x50, 0x4b, 0x03], true)).toBe('plain');
    expect(classifyHead([], false)).toBe('undecided');
    expect(classifyHead([], true)).toBe('plain');
  });
});

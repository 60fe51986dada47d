import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Framer } from '../../src/lib/reading/Framer.js';
import type { FramedItem, FramerPosition } from '../../src/lib/reading/types.js';
import { START, chunksOf, decodeAll, fixture, frame, randomChunks } from './helpers.js';

interface Case {
  name: string;
  file: Buffer;
  maxUnitBytes: number;
  maxRawBytes: number;
  /** The framing modes the file goes through (to make sure every mode is covered). */
  modes: FramerPosition['mode'][];
}

const rec = (i: number): Record<string, unknown> => ({
  time: `2024-03-01T10:00:${String(i).padStart(2, '0')}Z`,
  category: 'CallSummary',
  correlationId: `c-${i}`,
  properties: { name: i % 2 ? 'Zoë 東京 😀' : 'plain', n: i, s: '}]{["\\' },
});

const seedNames = readdirSync(fileURLToPath(new URL('./fixtures/', import.meta.url))).filter((n) => n.endsWith('.json'));

const cases: Case[] = [
  ...seedNames.map((name) => ({
    name: `seed ${name}`,
    file: fixture(name),
    maxUnitBytes: 64 * 1024,
    maxRawBytes: 100,
    modes: [] as FramerPosition['mode'][],
  })),
  {
    name: 'JSON Lines (LF, blank line, multi-byte)',
    file: Buffer.from(`${JSON.stringify(rec(1))}\n${JSON.stringify(rec(2))}\n\n${JSON.stringify(rec(3))}\n`),
    maxUnitBytes: 4096,
    maxRawBytes: 50,
    modes: ['lines'],
  },
  {
    name: 'JSON Lines (BOM, CRLF, whitespace line, garbage, truncated last line)',
    file: Buffer.from(`\uFEFF${JSON.stringify(rec(1))}\r\n  \t\r\nnot json at all 東京\r\n${JSON.stringify(rec(2))}\r\n{"cut": "😀 here`),
    maxUnitBytes: 4096,
    maxRawBytes: 50,
    modes: ['lines'],
  },
  {
    name: 'JSON Lines with a too-long line',
    file: Buffer.from(`{"a":1}\n{"long":"${'é'.repeat(100)}"}\r\n{"b":2}\n${'x'.repeat(150)}`),
    maxUnitBytes: 80,
    maxRawBytes: 10,
    modes: ['lines'],
  },
  {
    name: 'wrapper lines',
    file: Buffer.from(`${JSON.stringify({ records: [rec(1), rec(2)] })}\n${JSON.stringify({ Records: [rec(3)] })}\n`),
    maxUnitBytes: 4096,
    maxRawBytes: 50,
    modes: ['lines'],
  },
  {
    name: 'pretty wrappers with a tail, then an object',
    file: Buffer.from(
      `${JSON.stringify({ records: [rec(1), rec(2), rec(3)], tail: { s: '}]"{' } }, null, 2)}\n` +
        `${JSON.stringify({ records: [rec(4)] }, null, '\t')}\r\n${JSON.stringify(rec(5), null, 1)}\n`,
    ),
    maxUnitBytes: 4096,
    maxRawBytes: 50,
    modes: ['records', 'values'],
  },
  {
    name: 'pretty array with scalars, nested arrays and trailing commas, then another array',
    file: Buffer.from(`[\n  ${JSON.stringify(rec(1), null, 2)},\n  42, "a,]", null, [1, [2]], -1.5e3,\n  ${JSON.stringify(rec(2))},\n]\n[ {"x": "東京"} ,]\n`),
    maxUnitBytes: 4096,
    maxRawBytes: 50,
    modes: ['array', 'values'],
  },
  {
    name: 'values with stray content',
    file: Buffer.from(`"properties"\n{\n "a": 1\n} junk 東京 {"b": [2]}\n]]\n{"records": [{"c": 3}], "x": 1}`),
    maxUnitBytes: 4096,
    maxRawBytes: 50,
    modes: ['values', 'records'],
  },
  {
    name: 'document with an oversized element and a truncated end',
    file: Buffer.from(`{"records": [\n${JSON.stringify(rec(1))},\n{"big": "${'ü'.repeat(100)}", "n": [{"a": "}"}]},\n${JSON.stringify(rec(2))},\n{"cut": "`),
    maxUnitBytes: 120,
    maxRawBytes: 20,
    modes: ['records'],
  },
  {
    name: 'single-line wrapper longer than maxUnitBytes',
    file: Buffer.from(JSON.stringify({ records: [rec(1), rec(2), rec(3), rec(4)] })),
    maxUnitBytes: 150,
    maxRawBytes: 20,
    modes: ['records'],
  },
];

function opts(c: Case): { maxUnitBytes: number; maxRawBytes: number } {
  return { maxUnitBytes: c.maxUnitBytes, maxRawBytes: c.maxRawBytes };
}

describe.each(cases)('chunking and resuming: $name', (c) => {
  const baseline = frame(c.file, opts(c));

  it('produces items that cover the file in order', () => {
    expect(baseline.items.length).toBeGreaterThan(0);
    let prevEnd = 0;
    for (const item of baseline.items) {
      expect(item.offset).toBeGreaterThanOrEqual(prevEnd);
      expect(item.end).toBeGreaterThan(item.offset);
      expect(item.end).toBeLessThanOrEqual(c.file.length);
      expect(item.line).toBe(c.file.subarray(0, item.offset).filter((b) => b === 0x0a).length + 1);
      if (item.kind === 'unit') {
        // the text is the unit's bytes (without a line terminator or BOM)
        const bytes = c.file
          .subarray(item.offset, item.end)
          .toString('utf8')
          .replace(/\r?\n$/, '');
        expect(bytes).toBe(item.text);
      }
      prevEnd = item.end;
    }
  });

  it('every chunk size from 1 to 17 gives the same items, with bounded memory', () => {
    for (let size = 1; size <= 17; size++) {
      const run = frame(c.file, { ...opts(c), chunks: (rest) => chunksOf(rest, size) });
      expect(run.items, `chunk size ${size}`).toEqual(baseline.items);
      expect(run.position).toEqual(baseline.position);
      expect(run.maxBuffered).toBeLessThanOrEqual(c.maxUnitBytes + size);
    }
  });

  it('random split points give the same items', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const run = frame(c.file, { ...opts(c), chunks: (rest) => randomChunks(rest, seed, 1 + (seed % 23)) });
      expect(run.items, `seed ${seed}`).toEqual(baseline.items);
    }
  });

  it('goes through the expected modes', () => {
    const modes = new Set(frame(c.file, { ...opts(c), chunks: (rest) => chunksOf(rest, 1) }).steps.map((s) => s.position.mode));
    for (const m of c.modes) expect(modes).toContain(m);
  });

  it('resuming from the position after any step gives exactly the remaining items', () => {
    const run = frame(c.file, { ...opts(c), chunks: (rest) => chunksOf(rest, 1) });
    expect(run.items).toEqual(baseline.items);
    const seen = new Set<string>();
    let emittedEnd = 0;
    for (let k = 0; k < run.steps.length; k++) {
      const step = run.steps[k]!;
      for (const it of step.items) emittedEnd = it.end;
      const pos = step.position;
      // a boundary: after everything returned so far, not beyond what was fed
      expect(pos.offset).toBeGreaterThanOrEqual(emittedEnd);
      expect(pos.offset).toBeLessThanOrEqual(step.fed);
      const remaining: FramedItem[] = run.steps.slice(k + 1).flatMap((s) => s.items);
      for (const it of remaining) expect(it.offset).toBeGreaterThanOrEqual(pos.offset);
      const key = JSON.stringify(pos);
      if (seen.has(key)) continue;
      seen.add(key);
      expect(frame(c.file, { ...opts(c), start: pos }).items, `resume at ${key}`).toEqual(remaining);
      expect(frame(c.file, { ...opts(c), start: pos, chunks: (rest) => randomChunks(rest, k + 1, 9) }).items, `resume at ${key} in chunks`).toEqual(remaining);
    }
  });

  it('calling finish(false) between chunks does not change the records', () => {
    const f = new Framer({ start: START, ...opts(c) });
    const items: FramedItem[] = [];
    for (const chunk of randomChunks(c.file, 7, 11)) {
      items.push(...f.push(chunk), ...f.finish(false));
    }
    items.push(...f.finish(true));
    const a = decodeAll(items);
    const b = decodeAll(baseline.items);
    expect(a.records).toEqual(b.records);
    expect(a.issues.map((i) => [i.code, i.offset])).toEqual(b.issues.map((i) => [i.code, i.offset]));
  });
});

describe('chunking coverage', () => {
  it('the cases cover every mode', () => {
    const all = new Set(cases.flatMap((c) => c.modes));
    expect([...all].sort()).toEqual(['array', 'lines', 'records', 'values']);
  });
});

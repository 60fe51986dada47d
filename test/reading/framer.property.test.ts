import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Framer } from '../../src/lib/reading/Framer.js';
import type { FramedItem, FramerPosition, FramingMode } from '../../src/lib/reading/types.js';
import { chunksOf, decodeAll, frame } from './helpers.js';

function isWholeJson(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}

const key = fc.string({ unit: 'binary', maxLength: 8 }).filter((k) => k.toLowerCase() !== 'records');
const record = fc.dictionary(key, fc.jsonValue({ stringUnit: 'binary', maxDepth: 3 }), { maxKeys: 6 });
const formats = [
  'jsonl',
  'jsonl-crlf',
  'jsonl-cr',
  'jsonl-mixed-endings',
  'jsonl-bom-no-final-newline',
  'pretty-array',
  'wrapper-pretty',
  'wrapper-line',
  'pretty-values',
  'pretty-wrappers',
] as const;
type Format = (typeof formats)[number];

function serialize(records: Record<string, unknown>[], format: Format): Buffer {
  switch (format) {
    case 'jsonl':
      return Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    case 'jsonl-crlf':
      return Buffer.from(records.map((r) => `${JSON.stringify(r)}\r\n`).join(''));
    case 'jsonl-cr':
      return Buffer.from(records.map((r) => `${JSON.stringify(r)}\r`).join(''));
    case 'jsonl-mixed-endings': {
      const endings = ['\n', '\r', '\r\n', '\r\r\n', '\n\r', '\r\r', ' \r', '\r \t'];
      return Buffer.from(records.map((r, i) => `${JSON.stringify(r)}${endings[i % endings.length]!}`).join(''));
    }
    case 'jsonl-bom-no-final-newline':
      return Buffer.from(`\uFEFF${records.map((r) => JSON.stringify(r)).join('\n')}`);
    case 'pretty-array':
      return Buffer.from(JSON.stringify(records, null, 2));
    case 'wrapper-pretty':
      return Buffer.from(JSON.stringify({ records }, null, '\t'));
    case 'wrapper-line':
      return Buffer.from(`${JSON.stringify({ records })}\n`);
    case 'pretty-values':
      return Buffer.from(records.map((r) => JSON.stringify(r, null, 1)).join('\n'));
    case 'pretty-wrappers': {
      const half = Math.floor(records.length / 2);
      return Buffer.from(`${JSON.stringify({ records: records.slice(0, half) }, null, 2)}\n${JSON.stringify({ Records: records.slice(half) }, null, 2)}\n`);
    }
  }
}

/** More runs on demand: READING_FC_RUNS=50000 npx vitest run test/reading/framer.property.test.ts */
const extraRuns = Number(process.env['READING_FC_RUNS'] ?? 0);

describe('Framer + decodeUnit properties', () => {
  it('records serialized in any supported shape and cut anywhere decode to the originals', () => {
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 12 }),
        fc.constantFrom(...formats),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 10 }),
        (records, format, sizes) => {
          // Two empty objects pretty-printed one after the other look like JSON Lines.
          if (format === 'pretty-values' && records.some((r) => Object.keys(r).length === 0)) return;
          const file = serialize(records, format);
          const run = frame(file, { maxUnitBytes: 1 << 20, maxRawBytes: 100, chunks: (rest) => chunksOf(rest, sizes) });
          const d = decodeAll(run.items);
          expect(d.issues).toEqual([]);
          expect(d.failures).toEqual([]);
          expect(d.records.map((r) => r.value)).toStrictEqual(JSON.parse(JSON.stringify(records)));
          for (let i = 1; i < d.records.length; i++) {
            expect(d.records[i]!.position).toBeGreaterThan(d.records[i - 1]!.position);
          }
          // and the same items as in one chunk
          expect(run.items).toEqual(frame(file).items);
        },
      ),
      { numRuns: Math.max(400, extraRuns) },
    );
  });

  it('a valid document in any layout (each line indented with any tabs and spaces, CRLF or LF) is read whole', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 8 }),
        fc.constantFrom('array', 'wrapper'),
        fc.array(fc.stringMatching(/^[ \t]{0,12}$/), { minLength: 1, maxLength: 16 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 6 }),
        (records, shape, indents, crlf, sizes) => {
          const text = JSON.stringify(shape === 'array' ? records : { records }, null, 2);
          let k = 0;
          const laidOut = text
            .split('\n')
            .map((line) => indents[k++ % indents.length]! + line.trimStart())
            .join(crlf ? '\r\n' : '\n');
          const file = Buffer.from(laidOut);
          const run = frame(file, { maxUnitBytes: 1 << 20, maxRawBytes: 100, chunks: (rest) => chunksOf(rest, sizes) });
          const d = decodeAll(run.items);
          expect(d.issues).toEqual([]);
          expect(d.failures).toEqual([]);
          expect(d.records.map((r) => r.value)).toStrictEqual(JSON.parse(JSON.stringify(records)));
        },
      ),
      { numRuns: Math.max(400, extraRuns) },
    );
  });

  it('one element of a document damaged (bytes cut out of it after its opening brace): the elements two after it and on are read, cut anywhere', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9 _.:-]{0,12}$/);
    const acsRecord = fc.record({
      time: word,
      operationName: word,
      resultSignature: fc.integer({ min: 100, max: 599 }),
      properties: fc.record({ id: word, count: fc.integer(), device: fc.record({ id: word, kind: word }) }),
    });
    // No nested arrays: an element that ends inside one is valid JSON up to the next element (documented).
    const shapes = ['pretty-array', 'wrapper-pretty', 'pretty-values', 'minified-array'] as const;
    fc.assert(
      fc.property(
        fc.array(acsRecord, { minLength: 2, maxLength: 10 }),
        fc.constantFrom(...shapes),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 6 }),
        (records, shape, which, from, length, sizes) => {
          const texts = records.map((r) => (shape === 'minified-array' ? JSON.stringify(r) : JSON.stringify(r, null, 2)));
          const damaged = which % records.length;
          const text = texts[damaged]!;
          // Its opening brace stays: without it, the element's strings would be elements of the array.
          const cutFrom = 1 + (from % (text.length - 1));
          const cutTo = Math.min(text.length, cutFrom + 1 + (length % text.length));
          texts[damaged] = text.slice(0, cutFrom) + text.slice(cutTo);
          // A first line left whole JSON (`{    }`) makes the file JSON Lines, its later lines bad lines (documented).
          fc.pre(!(shape === 'pretty-values' && damaged === 0 && isWholeJson((texts[0] as string).split('\n')[0] as string)));
          const body =
            shape === 'pretty-values'
              ? texts.join('\n')
              : shape === 'wrapper-pretty'
                ? `{\n"records": [\n${texts.join(',\n')}\n]\n}`
                : shape === 'minified-array'
                  ? `[${texts.join(',')}]`
                  : `[\n${texts.join(',\n')}\n]`;
          const file = Buffer.from(body);
          const whole = frame(file, { maxUnitBytes: 1 << 20, maxRawBytes: 100 });
          const cut = frame(file, { maxUnitBytes: 1 << 20, maxRawBytes: 100, chunks: (rest) => chunksOf(rest, sizes) });
          expect(cut.items).toEqual(whole.items);
          const read = decodeAll(whole.items).records.map((r) => JSON.stringify(r.value));
          const wanted = records.filter((_, i) => i !== damaged && i !== damaged + 1).map((r) => JSON.stringify(r));
          // Each wanted element is read, in order (bogus extras from inside a broken element may come between).
          let at = 0;
          for (const element of wanted) {
            const found = read.indexOf(element, at);
            expect(found, `element ${element} after damage to ${damaged} in ${file.toString()}`).toBeGreaterThanOrEqual(0);
            at = found + 1;
          }
        },
      ),
      { numRuns: Math.max(1500, extraRuns) },
    );
  });

  it('arbitrary bytes: never throws, chunk-independent, ordered items, bounded memory, resumable', () => {
    const alphabet = [...'{}[]",\\:  \n\n\r\tab1-', 'é', '😀', 'true', '{"records":[', '"x"', '{"a":1}'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...alphabet), { maxLength: 120 }),
        fc.constantFrom<FramingMode>('auto', 'lines', 'values', 'array', 'records'),
        fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 40 }),
        (parts, mode, sizes, maxUnitBytes) => {
          const file = Buffer.from(parts.join(''));
          const start: FramerPosition = { offset: 0, newlines: 0, mode };
          const limits = { maxUnitBytes, maxRawBytes: Math.min(8, maxUnitBytes) };
          const whole = frame(file, { ...limits, start });
          const cut = frame(file, { ...limits, start, chunks: (rest) => chunksOf(rest, sizes) });
          expect(cut.items).toEqual(whole.items);
          expect(cut.maxBuffered).toBeLessThanOrEqual(maxUnitBytes + Math.max(...sizes));
          let prev = 0;
          for (const it of whole.items) {
            expect(it.offset).toBeGreaterThanOrEqual(prev);
            expect(it.end).toBeGreaterThan(it.offset);
            expect(it.line).toBe(file.subarray(0, it.offset).filter((b) => b === 0x0a).length + 1);
            prev = it.end;
          }
          for (let k = 0; k < cut.steps.length; k += 3) {
            const pos = cut.steps[k]!.position;
            const remaining = cut.steps.slice(k + 1).flatMap((s) => s.items);
            expect(frame(file, { ...limits, start: pos }).items).toEqual(remaining);
          }
        },
      ),
      { numRuns: Math.max(1500, extraRuns) },
    );
  });

  it('stopped after any item (a segment budget), a framer started at its position frames exactly the rest', () => {
    const alphabet = [...'{}[]",\\:  \n\n\r\tab1-', 'é', 'true', '{"records":[', '"x"', '{"a":1}', 'x\n', '\u0000'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...alphabet), { maxLength: 120 }),
        fc.constantFrom<FramingMode>('auto', 'lines', 'values', 'array', 'records'),
        fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 6 }),
        fc.nat(40),
        (parts, mode, sizes, stopAfter) => {
          const file = Buffer.from(parts.join(''));
          const start: FramerPosition = { offset: 0, newlines: 0, mode };
          const limits = { maxUnitBytes: 24, maxRawBytes: 8 };
          const all = frame(file, { ...limits, start }).items;
          const framer = new Framer({ start, ...limits });
          const seen: FramedItem[] = [];
          let stopped = false;
          for (const chunk of chunksOf(file, sizes)) {
            stopped = framer.pushTo(chunk, (item) => {
              seen.push(item);
              return seen.length <= stopAfter;
            });
            if (stopped) break;
          }
          if (!stopped) return;
          expect(seen).toEqual(all.slice(0, seen.length));
          expect(frame(file, { ...limits, start: framer.position }).items).toEqual(all.slice(seen.length));
        },
      ),
      { numRuns: Math.max(1500, extraRuns) },
    );
  });

  it('UTF-16 text (either byte order, with or without a BOM) is one unsupported_encoding item per line, cut anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 8 }),
        fc.constantFrom('le', 'be'),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 10 }),
        (records, order, bom, sizes) => {
          const text = (bom ? '\uFEFF' : '') + records.map((r) => `${JSON.stringify(r)}\n`).join('');
          const file = Buffer.from(text, 'utf16le');
          if (order === 'be') file.swap16();
          const whole = frame(file);
          expect(whole.items.map((item) => (item.kind === 'issue' ? item.code : item.kind))).toEqual(records.map(() => 'unsupported_encoding'));
          expect(frame(file, { chunks: (rest) => chunksOf(rest, sizes) }).items).toEqual(whole.items);
        },
      ),
      { numRuns: Math.max(300, extraRuns) },
    );
  });
});

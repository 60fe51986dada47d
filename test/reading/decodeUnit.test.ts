import { describe, expect, it } from 'vitest';
import { decodeUnit, parseJsonTolerant } from '../../src/lib/reading/decodeUnit.js';
import type { FramedUnit } from '../../src/lib/reading/types.js';

function unit(text: string, offset = 100, line = 7): FramedUnit {
  return { kind: 'unit', offset, end: offset + Buffer.byteLength(text) + 1, line, text };
}

function jsonParseMessage(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected invalid JSON');
}

describe('parseJsonTolerant', () => {
  it('parses valid JSON as JSON.parse does', () => {
    for (const t of ['{"a":1}', '[1,2]', '"x,}"', '42', 'null', ' {"a":",]"} ']) {
      expect(parseJsonTolerant(t)).toStrictEqual(JSON.parse(t));
    }
  });

  it('removes trailing commas before } and ], and at the end, whitespace included', () => {
    expect(parseJsonTolerant('{"a":1,}')).toStrictEqual({ a: 1 });
    expect(parseJsonTolerant('[1,2,]')).toStrictEqual([1, 2]);
    expect(parseJsonTolerant('{"a":[1,\n\t],\r\n  }')).toStrictEqual({ a: [1] });
    expect(parseJsonTolerant('{"a":1},')).toStrictEqual({ a: 1 });
    expect(parseJsonTolerant('{"a":1} , \n')).toStrictEqual({ a: 1 });
    expect(parseJsonTolerant('[\n  {\n  "x": false,\n  },\n]')).toStrictEqual([{ x: false }]);
  });

  it('leaves commas inside strings alone, escaped quotes included', () => {
    expect(parseJsonTolerant('{"a":",}","b":"\\",]",}')).toStrictEqual({ a: ',}', b: '",]' });
    expect(parseJsonTolerant('{"a":"\\\\",}')).toStrictEqual({ a: '\\' });
  });

  it("throws JSON.parse's SyntaxError for what it cannot fix", () => {
    for (const t of ['{"a":1,,}', '{"a":}', 'hello', '{"a":1', '', '{"a":1,}x']) {
      expect(() => parseJsonTolerant(t), t).toThrow(SyntaxError);
      expect(() => parseJsonTolerant(t), t).toThrow(jsonParseMessage(t));
    }
  });
});

describe('decodeUnit', () => {
  it('a plain object is one record at the unit offset', () => {
    const u = unit('{"time":"t","properties":{"x":1}}');
    expect(decodeUnit(u)).toStrictEqual({
      success: true,
      records: [{ position: 100, offset: 100, line: 7, value: { time: 't', properties: { x: 1 } } }],
      rejected: [],
    });
  });

  it('a {"records":[...]} wrapper gives one record per element, key matched case-insensitively', () => {
    for (const key of ['records', 'Records', 'RECORDS']) {
      const u = unit(`{"${key}":[{"a":1},{"a":2},{"a":3}]}`, 50, 2);
      const r = decodeUnit(u);
      expect(r).toStrictEqual({
        success: true,
        records: [
          { position: 50, offset: 50, line: 2, value: { a: 1 } },
          { position: 51, offset: 50, line: 2, value: { a: 2 } },
          { position: 52, offset: 50, line: 2, value: { a: 3 } },
        ],
        rejected: [],
      });
      if (r.success) for (const rec of r.records) expect(rec.position).toBeLessThan(u.end);
    }
    expect(decodeUnit(unit('{"records":[]}'))).toStrictEqual({ success: true, records: [], rejected: [] });
  });

  it('a wrapper with two records arrays (a repeated key, or keys differing in case) gives the elements of both, none left out', () => {
    const repeated = decodeUnit(unit('{"records":[{"a":1}],"records":[{"b":2},{"c":3}]}'));
    expect(repeated).toStrictEqual({
      success: true,
      records: [
        { position: 100, offset: 100, line: 7, value: { a: 1 } },
        { position: 101, offset: 100, line: 7, value: { b: 2 } },
        { position: 102, offset: 100, line: 7, value: { c: 3 } },
      ],
      rejected: [],
    });
    const cased = decodeUnit(unit('{ "records" : [{"a":1},], "meta": {"records": [{"x":0}]}, "Records": [7, {"b":"\\"records\\": ["}] }'));
    expect(cased).toMatchObject({
      success: true,
      records: [
        { position: 100, value: { a: 1 } },
        { position: 102, value: { b: '"records": [' } },
      ],
      rejected: [{ position: 101, code: 'not_an_object', message: 'element 0 of "Records" is a number, not an object', text: '7' }],
    });
  });

  it('a records key that is not an array is an ordinary field', () => {
    expect(decodeUnit(unit('{"records":"x","b":1}'))).toMatchObject({
      success: true,
      records: [{ value: { records: 'x', b: 1 } }],
    });
  });

  it('a JSON array gives one record per element; trailing commas are tolerated', () => {
    const r = decodeUnit(unit('[{"a":1},{"b":2},]', 0, 1));
    expect(r).toMatchObject({
      success: true,
      records: [
        { position: 0, value: { a: 1 } },
        { position: 1, value: { b: 2 } },
      ],
    });
  });

  it('rejects an element nested deeper than JSON.stringify can go with a sample cut at 64 levels, instead of throwing', () => {
    const depth = 100_000;
    const decoded = decodeUnit(unit(`[{"a":1},${'['.repeat(depth)}${']'.repeat(depth)}]`));
    const sample = '['.repeat(64) + '"…"' + ']'.repeat(64);
    expect(decoded).toEqual({
      success: true,
      records: [{ position: 100, offset: 100, line: 7, value: { a: 1 } }],
      rejected: [{ position: 101, code: 'not_an_object', message: 'element 1 of the array is an array, not an object', text: sample }],
    });
  });

  it('fails with not_an_object for a value that is not an object', () => {
    expect(decodeUnit(unit('42'))).toStrictEqual({
      success: false,
      code: 'not_an_object',
      message: 'expected a JSON object, got a number',
    });
    expect(decodeUnit(unit('null'))).toMatchObject({ success: false, code: 'not_an_object', message: expect.stringContaining('null') });
    expect(decodeUnit(unit('"s"'))).toMatchObject({ success: false, code: 'not_an_object' });
  });

  it('names an element a document framer took on its own as the element it is, as when its line is read whole', () => {
    expect(decodeUnit({ ...unit('42'), mode: 'records' })).toStrictEqual({
      success: false,
      code: 'not_an_object',
      message: 'an element of "records" is a number, not an object',
    });
    expect(decodeUnit({ ...unit('true'), mode: 'array' })).toMatchObject({ message: 'an element of the array is a boolean, not an object' });
    expect(decodeUnit({ ...unit('"s"'), mode: 'values' })).toMatchObject({ message: 'expected a JSON object, got a string' });
  });

  it('rejects each element that is not an object on its own, and keeps the records beside it', () => {
    expect(decodeUnit(unit('[{"a":1},[2]]', 0, 1))).toMatchObject({
      success: true,
      records: [{ position: 0, value: { a: 1 } }],
      rejected: [{ position: 1, code: 'not_an_object', message: 'element 1 of the array is an array, not an object', text: '[2]' }],
    });
    expect(decodeUnit(unit('{"Records":[{"a":1},null,{"b":2},5]}', 0, 1))).toMatchObject({
      success: true,
      records: [
        { position: 0, value: { a: 1 } },
        { position: 2, value: { b: 2 } },
      ],
      rejected: [
        { position: 1, message: 'element 1 of "Records" is null, not an object', text: 'null' },
        { position: 3, message: 'element 3 of "Records" is a number, not an object', text: '5' },
      ],
    });
    expect(decodeUnit(unit('["x"]', 0, 1))).toMatchObject({ success: true, records: [], rejected: [{ position: 0, text: '"x"' }] });
  });

  it("fails with invalid_json and JSON.parse's message", () => {
    const text = '{"a": tru}';
    expect(decodeUnit(unit(text))).toStrictEqual({
      success: false,
      code: 'invalid_json',
      message: `invalid JSON: ${jsonParseMessage(text)}`,
    });
    expect(decodeUnit(unit('not json'))).toMatchObject({ success: false, code: 'invalid_json' });
  });

  it('objects and arrays written one after another on a line (the line breaks left out) give the records of each, in order', () => {
    const values = (text: string): unknown => {
      const result = decodeUnit(unit(text));
      return result.success
        ? { records: result.records.map((r) => [r.position, r.value]), rejected: result.rejected.map((r) => [r.position, r.message]) }
        : result;
    };
    expect(values('{"a":1}{"b":"}{"} \t{"c":3}')).toStrictEqual({
      records: [
        [100, { a: 1 }],
        [101, { b: '}{' }],
        [102, { c: 3 }],
      ],
      rejected: [],
    });
    expect(values('{"records":[{"a":1},{"a":2}]}[{"b":2},3,]')).toStrictEqual({
      records: [
        [100, { a: 1 }],
        [101, { a: 2 }],
        [102, { b: 2 }],
      ],
      rejected: [[103, 'element 1 of the array (value 2 on the line) is a number, not an object']],
    });
  });

  it('a line of values one after another fails as a whole, with the parse error of the line, when any of them is not JSON', () => {
    for (const text of ['{"a":1}{"b":', '{"a":1}x', '{"a":1}{"b":tru}', '{"a":1}]', '{"a":1}"s"']) {
      expect(decodeUnit(unit(text)), text).toStrictEqual({ success: false, code: 'invalid_json', message: `invalid JSON: ${jsonParseMessage(text)}` });
    }
  });
});

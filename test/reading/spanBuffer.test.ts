import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpanBuffer } from '../../src/lib/reading/spanBuffer.js';

/** Feeds `bytes` to a new span cut at `cuts`, the last piece ending it. */
function collect(bytes: Buffer, cuts: number[], limit: number, maxRaw: number): { span: SpanBuffer; maxKept: number; taken: ReturnType<SpanBuffer['take']> } {
  const span = new SpanBuffer(10, 2, 'lines', true, limit, maxRaw);
  const points = [...new Set(cuts.filter((c) => c < bytes.length))].sort((a, b) => a - b);
  let from = 0;
  let maxKept = 0;
  for (const to of points) {
    const chunk = Buffer.from(bytes.subarray(from, to));
    span.keep(chunk, 0, chunk.length);
    chunk.fill(0x21); // the caller reuses its chunk: the span must have copied what it keeps
    maxKept = Math.max(maxKept, span.kept);
    from = to;
  }
  const rest = bytes.subarray(from);
  return { span, maxKept, taken: span.take(Buffer.concat([Buffer.from('xx'), rest]), 2, 2 + rest.length) };
}

describe('span buffer', () => {
  it('keeps every byte within the limit and only the first maxRaw beyond it, whatever the cuts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(200), { maxLength: 10 }), fc.nat(120), fc.nat(40), (array, cuts, limit, maxRaw) => {
        const bytes = Buffer.from(array);
        const { maxKept, taken } = collect(bytes, cuts, limit, maxRaw);
        expect(taken.total).toBe(bytes.length);
        expect(taken.last).toBe(bytes.length > 0 ? bytes[bytes.length - 1] : -1);
        if (bytes.length <= limit) {
          expect(taken.full).toBe(true);
          expect(taken.buf.equals(bytes)).toBe(true);
          expect(maxKept).toBeLessThanOrEqual(limit);
        } else {
          expect(taken.full).toBe(false);
          expect(taken.buf.equals(bytes.subarray(0, maxRaw))).toBe(true);
          expect(maxKept).toBeLessThanOrEqual(Math.max(limit, maxRaw));
        }
      }),
    );
  });

  it('a span not kept whole holds at most maxRaw bytes however long it grows', () => {
    const span = new SpanBuffer(0, 0, 'values', false, 0, 8);
    for (let i = 0; i < 1000; i++) span.keep(Buffer.alloc(1024, 0x61), 0, 1024);
    expect(span.kept).toBe(8);
    const taken = span.takeAll();
    expect(taken).toMatchObject({ total: 1024 * 1000, full: false, last: 0x61 });
    expect(taken.buf.toString()).toBe('aaaaaaaa');
  });
});

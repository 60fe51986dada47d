import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BUILDERS } from '../../src/lib/normalizing/buildCandidate.js';
import { FieldView } from '../../src/lib/normalizing/fields.js';
import { normalizeRecord, recordingIdFromUri } from '../../src/lib/normalizing/index.js';
import { PLANS } from '../../src/lib/normalizing/mapping.js';
import { CATEGORIES } from '../../src/lib/normalizing/types.js';

// The shortcuts normalizing takes for speed, each held to the plain code it stands for.

/** recordingIdFromUri as first written: a charCodeAt loop finds the end of the id. */
function recordingIdByLoop(uri: string): string | null {
  const lower = uri.toLowerCase();
  let at = lower.indexOf('recordings/');
  while (at > 0 && lower.charCodeAt(at - 1) !== 0x2f) at = lower.indexOf('recordings/', at + 1);
  if (at < 0) return null;
  const start = at + 'recordings/'.length;
  let end = start;
  while (end < uri.length) {
    const c = uri.charCodeAt(end);
    if (c === 0x3a || c === 0x3f || c === 0x23 || c === 0x2f) break;
    end++;
  }
  let id = uri.slice(start, end);
  if (id.includes('%')) {
    try {
      id = decodeURIComponent(id);
    } catch {
      // kept as written
    }
  }
  id = id.trim();
  return id === '' ? null : id;
}

describe('recordingIdFromUri against the loop it replaces', () => {
  it('finds the same id in any URI', () => {
    const piece = fc.constantFrom(
      ...['recordings/', 'Recordings/', 'RECORDINGS/', 'calling', '/', ':', '?', '#', '%20', '%zz'],
      ...[' ', 'a', 'İ', 'K', '\u00a0'], // İ lower-cases to two characters, the Kelvin sign to k
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(piece, fc.string({ maxLength: 4 })), { maxLength: 12 }), (pieces) => {
        const uri = pieces.join('');
        expect(recordingIdFromUri(uri)).toBe(recordingIdByLoop(uri));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the remembered upper-case resource id', () => {
  it('is the one of the record at hand, whatever came before', () => {
    const raw = { time: '2024-05-25T04:32:49Z', category: 'RoomsOperational', operationName: 'GetRoom' };
    const ids = [' /subs/a ', '/subs/a', '/SUBS/A', '/subs/b', ' /subs/b', '', ' ', 'subscriptions/c', '/SUBSCRIPTIONS/C'];
    const paths = [undefined, '', ' /path/a ', '/path/a', '/path/b', 'subscriptions/p'];
    // Trimmed, upper case, and an ARM id with its leading slash.
    const stored: Record<string, string> = { 'SUBSCRIPTIONS/C': '/SUBSCRIPTIONS/C', 'SUBSCRIPTIONS/P': '/SUBSCRIPTIONS/P' };
    const storedOf = (text: string): string => stored[text.trim().toUpperCase()] ?? text.trim().toUpperCase();
    const step = fc.tuple(fc.constantFrom(...ids), fc.constantFrom(...paths));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 20 }), (steps) => {
        for (const [id, path] of steps) {
          const result = normalizeRecord({ ...raw, resourceId: id }, { resourceIdFromPath: path });
          const expected = id.trim() !== '' ? storedOf(id) : path ? storedOf(path) : 'unknown';
          expect(result).toMatchObject({ success: true, record: { resourceId: expected } });
        }
      }),
    );
  });
});

describe('compiled schemas', () => {
  it('every category schema is compiled (zod would quietly keep its slower parser if it could not be)', () => {
    for (const plan of Object.values(PLANS)) {
      expect(() => z.compile(plan.schema, { strict: true })).not.toThrow();
      // Where z.compile keeps the runtime parser it falls back to for invalid input.
      expect(plan.schema._zod.bag['fallbackRun']).toBeTypeOf('function');
    }
  });
});

function located(view: FieldView, plan: (typeof PLANS)[keyof typeof PLANS]): ReturnType<FieldView['locate']> {
  return view.locate(plan.lookups);
}

describe('record builders', () => {
  it('build every schema key in schema order, wherever the record keeps a field', () => {
    const value = fc.oneof(
      fc.constantFrom(null, '', ' ', 'x', ' 12 ', '-1', '1.5', 'true', 'FALSE'),
      fc.constantFrom('2024-05-25T04:32:49.469Z', '5/25/2023, 4:32 PM'),
      fc.integer({ min: -3, max: 3 }),
      fc.double(),
      fc.boolean(),
      fc.constant({ an: 'object' }),
    );
    const placed = fc.array(fc.tuple(fc.boolean(), value), { minLength: 30, maxLength: 30 });
    const record = fc.tuple(fc.constantFrom(...CATEGORIES), placed);
    fc.assert(
      fc.property(record, ([category, values]) => {
        const plan = PLANS[category];
        const raw: Record<string, unknown> = {};
        const properties: Record<string, unknown> = {};
        plan.fields.forEach((field, i) => {
          const [inProperties, v] = values[i] ?? [false, null];
          (inProperties ? properties : raw)[field.label] = v;
        });
        raw['properties'] = properties;
        const view = FieldView.of(raw);
        if (typeof view === 'string') throw new Error(view);
        const built = BUILDERS[category](view, located(view, plan), category, 1, 'R');
        expect(Object.keys(built)).toStrictEqual(['category', 'time', 'resourceId', ...plan.fields.map((field) => field.key)]);
        // The same values all at the top level: the same candidate.
        const flat = FieldView.of({ ...raw, ...properties, properties: {} });
        if (typeof flat === 'string') throw new Error(flat);
        expect(BUILDERS[category](flat, located(flat, plan), category, 1, 'R')).toStrictEqual(built);
      }),
      { numRuns: 500 },
    );
  });
});

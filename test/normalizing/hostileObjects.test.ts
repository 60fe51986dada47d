import { describe, expect, it } from 'vitest';
import { foldThroughEveryView } from '../support/foldThroughViews.js';
import { normalizeRecord } from '../../src/lib/normalizing/index.js';
import { PLANS } from '../../src/lib/normalizing/mapping.js';
import { generatedAppends } from '../reliability/support/scenario.js';
import { legRecord, streamRecord } from '../support/callLogs.js';

/** Values parsed JSON can hold that String() and template literals cannot turn into text: `toString` and `valueOf` are data here. */
const HOSTILE: readonly unknown[] = [{ toString: 0 }, { toString: {}, valueOf: {} }, [{ toString: 0 }], { valueOf: 'x', toString: null }];

describe('objects whose toString is data, in every field of every category', () => {
  it('normalizeRecord and every view give a result or a bad record, never an exception', () => {
    const samples = new Map<string, Record<string, unknown>>();
    for (const append of generatedAppends(3, 4, 20, 6)) {
      for (const line of append.lines) {
        const record = JSON.parse(line) as Record<string, unknown>;
        if (!samples.has(String(record['category']))) samples.set(String(record['category']), record);
      }
    }
    const at = Date.UTC(2024, 4, 25, 1);
    for (const version of [null, 2]) {
      const leg = legRecord({ correlationId: 'c1', participantId: 'p1', version, time: at, callStartTime: at - 60_000, callDurationSeconds: 60 });
      const stream = streamRecord({ correlationId: 'c1', participantId: 'p1', version, time: at });
      samples.set(String(leg['category']), leg);
      samples.set(String(stream['category']), stream);
    }
    expect([...samples.keys()].sort()).toEqual(Object.keys(PLANS).sort());
    let cases = 0;
    for (const record of samples.values()) {
      const names = new Set(['category', 'type', 'time', 'resourceId', 'operationName', 'correlationId']);
      for (const plan of Object.values(PLANS)) for (const field of plan.fields) names.add(field.label);
      for (const name of names) {
        for (const hostile of HOSTILE) {
          for (const where of ['top', 'properties'] as const) {
            const copy = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
            const target = where === 'top' ? copy : (copy['properties'] as Record<string, unknown>);
            Object.defineProperty(target, name, { value: hostile, enumerable: true, configurable: true, writable: true });
            cases++;
            const result = normalizeRecord(copy, {});
            if (!result.success) continue;
            foldThroughEveryView(result.record);
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(1000);
  });
});

describe('a category written as another value', () => {
  it('is read as String() writes it, as before, and an object with a toString property is an unsupported category, not an exception', () => {
    const base = { time: '2024-05-25T04:32:49Z', operationName: 'CreateRoom', properties: { RoomId: 'r1' } };
    expect(normalizeRecord({ ...base, category: ['RoomsOperational'] }, {})).toMatchObject({ success: true, record: { category: 'RoomsOperational' } });
    expect(normalizeRecord({ ...base, category: { toString: 0 } }, {})).toMatchObject({ success: false, kind: 'unsupported', category: 'an object' });
  });
});

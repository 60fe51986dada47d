import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { memoryUsage } from 'node:process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { categoryFromContainer, normalizeRecord, type NormalizeContext, type NormalizedRecord } from '../../src/lib/normalizing/index.js';

const RESOURCE = '/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS1';

/** The documentation's CallSummary example, assembled (call-logs facts §1.3). */
const SUMMARY = {
  time: '2021-07-05T06:30:06.402Z',
  resourceId: RESOURCE,
  correlationId: 'bbbb1111-cc22-3333-44dd-555555eeeeee',
  operationName: 'CallSummary',
  operationVersion: '1.0',
  category: 'CallSummary',
  properties: {
    identifier: 'acs:1797dbb3-f982-47b0-b98e-6a76084454f1_0000000b-1531-729f-28f4-343a0d00d975',
    callStartTime: '2021-07-05T06:16:40.240Z',
    callDuration: 87,
    callType: 'Group',
    participantId: '04cc26f5-a86d-481c-b9f9-7a40be4d6fba',
    participantStartTime: '2021-07-05T06:16:44.235Z',
    participantDuration: '82',
    participantEndReason: '0',
    endpointId: '5ebd55df-ffff-ffff-89e6-4f3f0453b1a6',
    endpointType: 'VoIP',
    sdkVersion: '1.0.0.3',
    osVersion: 'Darwin Kernel Version 18.7.0',
  },
};

const DIAGNOSTICS = {
  ...SUMMARY,
  operationName: 'CallDiagnostics',
  category: 'CallDiagnostics',
  properties: {
    identifier: 'acs:1797dbb3-f982-47b0-b98e-6a76084454f1_0000000b-1531-729f-28f4-343a0d00d975',
    participantId: '04cc26f5-a86d-481c-b9f9-7a40be4d6fba',
    endpointId: '5ebd55df-ffff-ffff-89e6-4f3f0453b1a6',
    endpointType: 'VoIP',
    mediaType: 'Audio',
    streamId: '14884',
    transportType: 'UDP',
    roundTripTimeAvg: '46',
    roundTripTimeMax: '48',
    jitterAvg: '0',
    jitterMax: '1',
    packetLossRateAvg: '3.146336E-05',
    packetLossRateMax: '0',
  },
};

function record(raw: Record<string, unknown>, context?: NormalizeContext): NormalizedRecord {
  const result = normalizeRecord(raw, { ...context, timeBounds: { earliest: 0, latest: Date.UTC(2100, 0, 1) } });
  if (!result.success) throw new Error(JSON.stringify(result));
  return result.record;
}

describe('call logs: normalizing', () => {
  it('reads the documented CallSummary example, numbers written as strings included', () => {
    const r = record(SUMMARY);
    expect(r).toMatchObject({
      category: 'CallSummary',
      correlationId: 'bbbb1111-cc22-3333-44dd-555555eeeeee',
      callUpdatesVersion: null,
      callStartTime: Date.parse('2021-07-05T06:16:40.240Z'),
      callDurationSeconds: 87,
      callType: 'Group',
      participantStartTime: Date.parse('2021-07-05T06:16:44.235Z'),
      participantDurationSeconds: 82,
      participantEndReason: '0',
      endpointType: 'VoIP',
    });
  });

  it('reads the documented CallDiagnostics example: string numbers, exponent notation', () => {
    expect(record(DIAGNOSTICS)).toMatchObject({
      category: 'CallDiagnostics',
      mediaType: 'Audio',
      streamId: '14884',
      transportType: 'UDP',
      roundTripTimeAvg: 46,
      roundTripTimeMax: 48,
      jitterAvg: 0,
      jitterMax: 1,
      packetLossRateAvg: 3.146336e-5,
      packetLossRateMax: 0,
    });
  });

  it('keeps no participant or endpoint id and no identifier: legs are told apart by a digest', () => {
    const r = record(SUMMARY);
    const text = JSON.stringify(r);
    expect(text).not.toContain('04cc26f5');
    expect(text).not.toContain('5ebd55df');
    expect(text).not.toContain('acs:1797');
    expect(r).toMatchObject({ participantKey: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), endpointKey: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
    // A leading space (seen in the documentation's sample) names the same participant.
    const spaced = record({ ...SUMMARY, properties: { ...SUMMARY.properties, participantId: ' 04cc26f5-a86d-481c-b9f9-7a40be4d6fba' } });
    expect((spaced as { participantKey: string }).participantKey).toBe((r as { participantKey: string }).participantKey);
  });

  it('digests an id as stored rows already name it, every time it is met', () => {
    // Leg rows written by earlier versions are keyed by this digest: it may never change.
    const expected = createHash('sha256').update('acs-logs-leg:04cc26f5-a86d-481c-b9f9-7a40be4d6fba').digest('base64url').slice(0, 22);
    for (let i = 0; i < 3; i++) expect((record(SUMMARY) as { participantKey: string }).participantKey).toBe(expected);
  });

  it('keeps no long participant id once its record is read: 300 ids of 100,000 characters held 30 MB (the ids met lately)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const digestOf = (n: number): string =>
      (record({ ...SUMMARY, properties: { ...SUMMARY.properties, participantId: `${n}-${'p'.repeat(100_000)}` } }) as { participantKey: string })
        .participantKey;
    gc();
    const before = memoryUsage().heapUsed;
    const digests = new Set(Array.from({ length: 300 }, (_, n) => digestOf(n)));
    gc();
    expect(memoryUsage().heapUsed - before).toBeLessThan(4 * 1024 * 1024);
    // Each still has its own digest, the same every time.
    expect(digests.size).toBe(300);
    expect(digestOf(7)).toBe(digestOf(7));
  });

  it('a digest of a phone number is found again by hashing the candidates, and docs/CALLS.md says so: a pseudonym, not anonymous', () => {
    const key = (record({ ...SUMMARY, properties: { ...SUMMARY.properties, participantId: '4:+14255550123' } }) as { participantKey: string }).participantKey;
    // The 10,000 numbers of one exchange: what anyone who reads the Calls table can do for every number of an area.
    let found: string | undefined;
    for (let n = 0; n < 10_000 && found === undefined; n++) {
      const candidate = `4:+1425555${String(n).padStart(4, '0')}`;
      if (createHash('sha256').update(`acs-logs-leg:${candidate}`).digest('base64url').slice(0, 22) === key) found = candidate;
    }
    expect(found).toBe('4:+14255550123');
    const calls = readFileSync(new URL('../../docs/CALLS.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    expect(calls).toContain('The digest is a pseudonym, not anonymous.');
    expect(calls).toContain('pseudonymised personal data');
    const recordings = readFileSync(new URL('../../docs/RECORDINGS.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    expect(recordings).not.toContain('Personal data is never stored');
    expect(recordings).toContain('pseudonymised personal data');
  });

  it('reads null and "null" as absent, and a redacted id as no id', () => {
    const server = record({
      ...DIAGNOSTICS,
      properties: { ...DIAGNOSTICS.properties, endpointId: null, identifier: null, participantId: 'null', endpointType: 'Server', jitterAvg: 'NULL' },
    });
    expect(server).toMatchObject({ participantKey: null, endpointKey: null, endpointType: 'Server', jitterAvg: null });
    // A redacted ParticipantId with an EndpointId: the leg is the endpoint's.
    const redacted = record({ ...SUMMARY, properties: { ...SUMMARY.properties, participantId: 'Redacted', callDuration: 'null' } });
    expect(redacted).toMatchObject({ participantKey: null, endpointKey: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), callDurationSeconds: null });
  });

  it("tells other tenants' participants (both ids Redacted) apart by EndpointType and Identifier, as Microsoft's queries do, keeping neither", () => {
    const redacted = (endpointType: string | null, identifier: string | null, ids: [string | null, string | null] = ['Redacted', 'Redacted']) =>
      record({ ...SUMMARY, properties: { ...SUMMARY.properties, participantId: ids[0], endpointId: ids[1], endpointType, identifier } });
    const voip = redacted('VoIP', 'Redacted');
    const bot = redacted('Bot', 'Redacted');
    const other = redacted('VoIP', '8:orgid:other-tenant-user');
    for (const r of [voip, bot, other]) {
      expect(r).toMatchObject({ participantKey: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), endpointKey: null });
      expect(JSON.stringify(r)).not.toContain('other-tenant-user');
      expect(r).not.toHaveProperty('identifier');
    }
    const keys = [voip, bot, other].map((r) => (r as { participantKey: string }).participantKey);
    expect(new Set(keys).size).toBe(3);
    // The same participant in another record (an update, a stream), whichever id says Redacted and however spelled.
    expect((redacted(' VoIP ', 'Redacted', ['redacted', null]) as { participantKey: string }).participantKey).toBe(keys[0]);
    expect((redacted('VoIP', 'Redacted', [null, 'REDACTED']) as { participantKey: string }).participantKey).toBe(keys[0]);
    // Neither id at all is still the server's leg.
    expect(redacted('Server', null, [null, null])).toMatchObject({ participantKey: null, endpointKey: null });
  });

  it("keys other tenants' participants by the endpoint type whatever its casing, a type in the documentation's spelling as stores hold it", () => {
    const keyOf = (endpointType: string, identifier: string) =>
      (
        record({ ...SUMMARY, properties: { ...SUMMARY.properties, participantId: 'Redacted', endpointId: 'Redacted', endpointType, identifier } }) as {
          participantKey: string;
        }
      ).participantKey;
    // The keys stored before: a type written as documented keys as it did (a change would split legs).
    expect(keyOf('VoIP', 'Redacted')).toBe('xbxKGMNmAwXDpH1jbKRIIZ');
    expect(keyOf('PSTN', '4:+14255550123')).toBe('NsHfKldGqIQqCfIH_Dr626');
    // The logs write one type in several casings: one participant, one leg.
    for (const spelling of ['VOIP', 'voip', ' VoIP ']) expect(keyOf(spelling, 'Redacted')).toBe('xbxKGMNmAwXDpH1jbKRIIZ');
    expect(keyOf('pstn', '4:+14255550123')).toBe('NsHfKldGqIQqCfIH_Dr626');
    expect(keyOf('BOT', 'Redacted')).toBe(keyOf('Bot', 'Redacted'));
    // Other types, and the Identifier, as written.
    expect(keyOf('Teams', 'Redacted')).not.toBe(keyOf('teams', 'Redacted'));
    expect(keyOf('VoIP', '8:acs:a')).not.toBe(keyOf('VoIP', '8:ACS:A'));
  });

  it.each([
    ['callupdatesversion', '2', 2],
    ['CallUpdatesVersion', 3, 3],
    ['CALLUPDATESVERSION', ' 4 ', 4],
    ['callUpdatesVersion', 'null', null],
  ])('reads the version field spelled %s with value %j', (name, value, expected) => {
    const r = record({ ...SUMMARY, category: 'CallSummaryUpdates', properties: { ...SUMMARY.properties, [name]: value } });
    expect(r).toMatchObject({ category: 'CallSummaryUpdates', callUpdatesVersion: expected });
  });

  it('reads field names in any casing, flat (Log Analytics) or storage-shaped', () => {
    const flat = record({
      TimeGenerated: '2021-07-05T06:30:06.402Z',
      Type: 'ACSCallDiagnosticsUpdates',
      CorrelationId: 'c1',
      PARTICIPANTID: 'p',
      MEDIATYPE: 'Video',
      StreamId: 7,
      StreamDirection: 'Outbound',
      JITTERAVG: 31,
      RoundTripTimeAvg: '12.5',
      PacketLossRateAvg: 0.2,
      CallUpdatesVersion: 5,
    });
    expect(flat).toMatchObject({
      category: 'CallDiagnosticsUpdates',
      correlationId: 'c1',
      mediaType: 'Video',
      streamId: '7',
      streamDirection: 'Outbound',
      jitterAvg: 31,
      roundTripTimeAvg: 12.5,
      packetLossRateAvg: 0.2,
      callUpdatesVersion: 5,
    });
  });

  it('takes the category from the Updates container when the record names none, and infers it from the fields otherwise', () => {
    const { category: _c, ...noCategory } = SUMMARY;
    const fileCategory = categoryFromContainer('insights-logs-callsummaryupdates');
    expect(fileCategory).toBe('CallSummaryUpdates');
    expect(record(noCategory, { fileCategory }).category).toBe('CallSummaryUpdates');
    expect(record(noCategory).category).toBe('CallSummary');
    const { category: _d, ...noDiagCategory } = DIAGNOSTICS;
    expect(record({ ...noDiagCategory, properties: { ...DIAGNOSTICS.properties, callUpdatesVersion: '1' } }).category).toBe('CallDiagnosticsUpdates');
  });

  it('quarantines impossible values with a literal code and a readable message', () => {
    const negative = normalizeRecord({ ...DIAGNOSTICS, properties: { ...DIAGNOSTICS.properties, jitterAvg: -1 } }, {});
    expect(negative).toMatchObject({ success: false, code: 'value_out_of_range', message: expect.stringContaining('JitterAvg') });
    const word = normalizeRecord({ ...SUMMARY, properties: { ...SUMMARY.properties, callDuration: 'long' } }, {});
    expect(word).toMatchObject({ success: false, code: 'schema_invalid', message: expect.stringContaining('CallDuration') });
    const version = normalizeRecord({ ...SUMMARY, properties: { ...SUMMARY.properties, callUpdatesVersion: '1.5' } }, {});
    expect(version).toMatchObject({ success: false, code: 'schema_invalid', message: expect.stringContaining('CallUpdatesVersion') });
    const start = normalizeRecord({ ...SUMMARY, properties: { ...SUMMARY.properties, callStartTime: '1970-01-01T00:00:00Z' } }, {});
    expect(start).toMatchObject({ success: false, code: 'time_out_of_range', message: expect.stringContaining('CallStartTime') });
  });

  it('quarantines a call log without a CorrelationId: it names no call, so no view could count it', () => {
    for (const example of [SUMMARY, DIAGNOSTICS])
      for (const correlationId of [undefined, null, 'null', '', '   ']) {
        const { correlationId: _id, ...rest } = example;
        const raw = correlationId === undefined ? rest : { ...rest, correlationId };
        expect(normalizeRecord(raw, {}), `${example.category} ${String(correlationId)}`).toEqual({
          success: false,
          kind: 'invalid',
          code: 'schema_invalid',
          message: 'CorrelationId: missing',
        });
      }
    // Other categories still count without one (rooms-operations, usage).
    expect(normalizeRecord({ time: SUMMARY.time, resourceId: RESOURCE, category: 'RoomsOperational', operationName: 'ListRooms' }, {}).success).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { CATEGORIES, categoryFromContainer, containerForCategory, normalizeRecord, parseCategory } from '../../src/lib/normalizing/index.js';

describe('parseCategory', () => {
  it.each([
    ['RoomsOperational', 'RoomsOperational'],
    ['roomsoperational', 'RoomsOperational'],
    ['ROOMSOPERATIONAL', 'RoomsOperational'],
    ['Operational Rooms Logs', 'RoomsOperational'],
    ['ACSRoomsIncomingOperations', 'RoomsOperational'],
    ['acsroomsincomingoperations', 'RoomsOperational'],
    ['CallRecordingSummary', 'CallRecordingSummary'],
    ['RecordingSummary', 'CallRecordingSummary'],
    ['Call Recording Summary', 'CallRecordingSummary'],
    ['call recording summary', 'CallRecordingSummary'],
    ['Call Recording Summary Logs', 'CallRecordingSummary'],
    ['ACSCallRecordingSummary', 'CallRecordingSummary'],
    ['CallRecordingOperational', 'CallRecordingOperational'],
    ['CallRecordingIncomingOperations', 'CallRecordingOperational'],
    ['Operational Call Recording Logs', 'CallRecordingOperational'],
    ['ACSCallRecordingIncomingOperations', 'CallRecordingOperational'],
    ['Usage', 'Usage'],
    ['usage', 'Usage'],
    ['Usage Records', 'Usage'],
    ['ACSBillingUsage', 'Usage'],
    [' Usage ', 'Usage'],
    ['insights-logs-usage', 'Usage'],
    ['CallSummary', 'CallSummary'],
    ['callsummary', 'CallSummary'],
    ['ACSCallSummary', 'CallSummary'],
    ['CallSummaryUpdates', 'CallSummaryUpdates'],
    ['Call Summary Updates', 'CallSummaryUpdates'],
    ['ACSCallSummaryUpdates', 'CallSummaryUpdates'],
    ['insights-logs-callsummaryupdates', 'CallSummaryUpdates'],
    ['CallDiagnostics', 'CallDiagnostics'],
    ['ACSCallDiagnostics', 'CallDiagnostics'],
    ['CallDiagnosticsUpdates', 'CallDiagnosticsUpdates'],
    ['CallDiagnosticUpdates', 'CallDiagnosticsUpdates'],
    ['calldiagnosticupdates', 'CallDiagnosticsUpdates'],
    ['ACSCallDiagnosticsUpdates', 'CallDiagnosticsUpdates'],
    ['insights-logs-calldiagnosticsupdates', 'CallDiagnosticsUpdates'],
  ])('%j -> %s', (text, expected) => {
    expect(parseCategory(text)).toBe(expected);
  });

  it.each([['ChatOperational'], ['CallAutomationOperational'], ['ACSCallAutomationIncomingOperations'], ['Recording'], [''], ['AzureDiagnostics']])(
    '%j -> undefined',
    (text) => {
      expect(parseCategory(text)).toBeUndefined();
    },
  );
});

describe('categoryFromContainer and containerForCategory', () => {
  it.each([
    ['insights-logs-roomsoperational', 'RoomsOperational'],
    ['insights-logs-callrecordingsummary', 'CallRecordingSummary'],
    ['insights-logs-callrecordingoperational', 'CallRecordingOperational'],
    ['insights-logs-usage', 'Usage'],
    ['INSIGHTS-LOGS-ROOMSOPERATIONAL', 'RoomsOperational'],
    ['Insights-Logs-Usage', 'Usage'],
  ])('%s -> %s', (container, expected) => {
    expect(categoryFromContainer(container)).toBe(expected);
  });

  it.each([['insights-logs-chatoperational'], ['roomsoperational'], ['insights-logs-'], ['logs'], ['insights-logs-recordingsummary']])(
    '%s -> undefined',
    (container) => {
      expect(categoryFromContainer(container)).toBeUndefined();
    },
  );

  it('round-trips every category', () => {
    for (const category of CATEGORIES) {
      expect(categoryFromContainer(containerForCategory(category))).toBe(category);
    }
    expect(containerForCategory('CallRecordingSummary')).toBe('insights-logs-callrecordingsummary');
  });
});

describe('category resolution order', () => {
  const time = '2024-05-25T04:32:49Z';
  /** Valid as a Rooms record and as a Usage record, so only the resolution decides. */
  const both = { TimeGenerated: time, OperationName: 'Op', UsageType: 'Chat', UnitType: 'Message', Quantity: 1 };
  const categoryOf = (raw: Record<string, unknown>, context = {}) => {
    const result = normalizeRecord(raw, context);
    return result.success ? result.record.category : result;
  };

  it('the record category wins over Type, the file category and the fields', () => {
    expect(categoryOf({ ...both, category: 'RoomsOperational', Type: 'ACSBillingUsage' }, { fileCategory: 'Usage' })).toBe('RoomsOperational');
  });

  it('Type wins over the file category and the fields', () => {
    expect(categoryOf({ ...both, Type: 'ACSRoomsIncomingOperations' }, { fileCategory: 'Usage' })).toBe('RoomsOperational');
  });

  it('an unrecognized category does not hide a recognized Type', () => {
    expect(categoryOf({ ...both, Category: 'SomethingElse', Type: 'ACSRoomsIncomingOperations' })).toBe('RoomsOperational');
  });

  it('the file category wins over the fields', () => {
    expect(categoryOf({ ...both }, { fileCategory: 'RoomsOperational' })).toBe('RoomsOperational');
    expect(categoryOf({ ...both, RoomId: 'r' }, { fileCategory: 'Usage' })).toBe('Usage');
  });

  it('the fields decide last', () => {
    expect(categoryOf({ ...both })).toBe('Usage');
    expect(categoryOf({ ...both, RoomId: 'r' })).toBe('RoomsOperational');
  });

  it('a category that is not one of the four is unsupported, whatever the file or fields say', () => {
    expect(categoryOf({ ...both, category: 'ChatOperational' }, { fileCategory: 'Usage' })).toStrictEqual({
      success: false,
      kind: 'unsupported',
      category: 'ChatOperational',
    });
    expect(categoryOf({ ...both, Type: 'ACSCallAutomationIncomingOperations' })).toStrictEqual({
      success: false,
      kind: 'unsupported',
      category: 'ACSCallAutomationIncomingOperations',
    });
    expect(categoryOf({ ...both, Category: 'ChatOperational', Type: 'ACSChatIncomingOperations' })).toStrictEqual({
      success: false,
      kind: 'unsupported',
      category: 'ChatOperational',
    });
  });

  it('an unsupported record is reported as such even if its time is bad', () => {
    expect(normalizeRecord({ category: 'ChatOperational', time: 'garbage' }, {})).toStrictEqual({
      success: false,
      kind: 'unsupported',
      category: 'ChatOperational',
    });
  });

  it('an empty category counts as absent', () => {
    expect(categoryOf({ ...both, category: '' }, { fileCategory: 'RoomsOperational' })).toBe('RoomsOperational');
  });

  it('nothing to tell the category by', () => {
    expect(normalizeRecord({ TimeGenerated: time, OperationName: 'StartRecording', Level: 'Informational' }, {})).toStrictEqual({
      success: false,
      kind: 'invalid',
      code: 'schema_invalid',
      message: 'cannot tell the log category: the record names none, nor does its file (give --category to process or quarantine replay)',
    });
    expect(normalizeRecord({}, {})).toMatchObject({
      code: 'schema_invalid',
      message: 'cannot tell the log category: the record names none, nor does its file (give --category to process or quarantine replay)',
    });
  });

  it('the operation name alone never decides', () => {
    for (const operationName of ['CreateRoom', 'RecordingSummary', 'Call Recording Summary', 'StartRecording', 'Usage']) {
      expect(normalizeRecord({ TimeGenerated: time, OperationName: operationName }, {})).toMatchObject({
        message: 'cannot tell the log category: the record names none, nor does its file (give --category to process or quarantine replay)',
      });
    }
  });
});

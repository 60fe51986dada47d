import { parseCategory } from './category.js';
import type { FieldView } from './fields.js';
import { CATEGORY_NAMES, OPERATION_NAME_NAMES, TYPE_NAMES } from './mapping.js';
import type { Category } from './types.js';
import { describeValue } from './values.js';

/** A category the record names that is not one of those read (e.g. `ChatOperational`). */
export class UnsupportedCategory {
  constructor(readonly name: string) {}
}

/** Rooms fields whose names do not start with `Room`. */
const ROOMS_FIELDS = ['addedroomparticipantscount', 'upsertedroomparticipantscount', 'removedroomparticipantscount', 'pstndialoutenabled'] as const;
const SUMMARY_FIELDS = ['recordinglength', 'chunkcount', 'contenttype'] as const;
const RECORDING_ID = ['recordingid'] as const;
const OPERATION_FIELDS = ['uri', 'callconnectionid', 'sdktype'] as const;
const USAGE_FIELDS = ['usagetype', 'unittype', 'quantity'] as const;
const UPDATES_VERSION = ['callupdatesversion'] as const;
const CALL_SUMMARY_FIELDS = ['callstarttime', 'callduration', 'participantduration', 'participantendreason'] as const;
const CALL_DIAGNOSTICS_FIELDS = ['streamid', 'jitteravg', 'roundtriptimeavg', 'packetlossrateavg'] as const;

/**
 * The record's category, in this order: its `category` field if recognized; its `Type` (Log Analytics
 * table) if recognized; unsupported if it names a category that is neither; the file's category; the
 * category its fields imply. `undefined` when nothing tells.
 */
export function resolveCategory(view: FieldView, fileCategory: Category | undefined): Category | UnsupportedCategory | undefined {
  const named = view.get(CATEGORY_NAMES, true);
  if (named !== undefined) {
    const category = parseCategory(nameOf(named));
    if (category !== undefined) return category;
  }
  const table = view.getTop(TYPE_NAMES);
  if (table !== undefined) {
    const category = parseCategory(nameOf(table));
    if (category !== undefined) return category;
  }
  if (named !== undefined) return new UnsupportedCategory(nameOf(named));
  if (table !== undefined) return new UnsupportedCategory(nameOf(table));
  return fileCategory ?? inferCategory(view);
}

/**
 * A category or table name as String() writes it (`["RoomsOperational"]` names Rooms); as messages
 * describe a value when String() throws: it calls an object's own `toString`, which in parsed JSON is
 * data (`{"toString":0}`).
 */
function nameOf(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return describeValue(value);
  }
}

/**
 * The category implied by which fields the record has (keys, whatever their values). The operation name
 * only narrows: it never decides on its own.
 */
function inferCategory(view: FieldView): Category | undefined {
  if (view.hasKeyStartingWith('room') || view.hasAny(ROOMS_FIELDS)) return 'RoomsOperational';
  if (view.hasAny(RECORDING_ID) && view.hasAny(SUMMARY_FIELDS)) return 'CallRecordingSummary';
  if (view.hasAny(OPERATION_FIELDS)) {
    const operation = view.get(OPERATION_NAME_NAMES, true);
    if (typeof operation === 'string' && operation.toLowerCase().includes('recording')) {
      return 'CallRecordingOperational';
    }
  }
  if (view.hasAny(USAGE_FIELDS)) return 'Usage';
  const updates = view.hasAny(UPDATES_VERSION);
  if (view.hasAny(CALL_DIAGNOSTICS_FIELDS)) return updates ? 'CallDiagnosticsUpdates' : 'CallDiagnostics';
  if (view.hasAny(CALL_SUMMARY_FIELDS)) return updates ? 'CallSummaryUpdates' : 'CallSummary';
  return undefined;
}

import { callsView } from '../joining/callsView.js';
import { recordingOperationsView } from './recordings/recordingOperationsView.js';
import { recordingsView } from './recordings/recordingsView.js';
import { roomsOperationsView } from './rooms/roomsOperationsView.js';
import { roomsView } from './rooms/roomsView.js';
import { usageView } from './usage/usageView.js';
import type { AggregateView } from './types.js';

export { roomsOperationsView, ROOMS_OPERATIONS_TABLE } from './rooms/roomsOperationsView.js';
export { roomsView, ROOMS_TABLE } from './rooms/roomsView.js';
export { recordingsView, RECORDINGS_TABLE } from './recordings/recordingsView.js';
export { recordingOperationsView, RECORDING_OPERATIONS_TABLE } from './recordings/recordingOperationsView.js';
export { usageView, USAGE_TABLE } from './usage/usageView.js';
export { callsView } from '../joining/callsView.js';
export { CALLS_TABLE } from '../joining/callRows.js';
// call-volume and call-quality are kept from each call's contribution, not folded from records:
// see processing/publishCallContributions.ts.
export { CALL_VOLUME_TABLE } from '../joining/callVolumeView.js';
export { CALL_QUALITY_TABLE } from '../joining/callQualityView.js';
export type { AggregateView, Route, RowData } from './types.js';

/** Every aggregate the pipeline maintains. */
export const ALL_VIEWS: readonly AggregateView[] = Object.freeze([
  roomsOperationsView, roomsView, callsView, recordingsView, recordingOperationsView, usageView,
]);

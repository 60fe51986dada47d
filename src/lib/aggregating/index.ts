/**
 * The one place views are wired: processing folds records into ALL_VIEWS, publishes each call's
 * contribution to CONTRIBUTION_VIEWS, and querying, the bench and the tests read the same lists.
 */
import { callQualityTarget } from './calls/callQualityView.js';
import { callsView } from './calls/callsView.js';
import { callVolumeTarget } from './calls/callVolumeView.js';
import type { ContributionTarget } from './calls/callContribution.js';
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
export { callsView } from './calls/callsView.js';
export { CALLS_TABLE } from './calls/callRows.js';
export { CALL_VOLUME_TABLE } from './calls/callVolumeView.js';
export { CALL_QUALITY_TABLE } from './calls/callQualityView.js';
export type { ContributionTarget } from './calls/callContribution.js';
export type { AggregateView, Route, RowData } from './types.js';

/** Every aggregate folded from records. */
export const ALL_VIEWS: readonly AggregateView[] = Object.freeze([
  roomsOperationsView,
  roomsView,
  callsView,
  recordingsView,
  recordingOperationsView,
  usageView,
]);

/**
 * The per-resource views kept from each call's contribution rather than folded from records (a
 * later version of a call replaces what it contributed): see processing/publishCallContributions.ts.
 */
export const CONTRIBUTION_VIEWS: readonly ContributionTarget[] = Object.freeze([callVolumeTarget, callQualityTarget]);

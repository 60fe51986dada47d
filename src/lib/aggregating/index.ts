import { roomsOperationsView } from './rooms/roomsOperationsView.js';
import { roomsView } from './rooms/roomsView.js';
import type { AggregateView } from './types.js';

export { roomsOperationsView, ROOMS_OPERATIONS_TABLE } from './rooms/roomsOperationsView.js';
export { roomsView, ROOMS_TABLE } from './rooms/roomsView.js';
export type { AggregateView, Route, RowData } from './types.js';

/** Every aggregate the pipeline maintains. */
export const ALL_VIEWS: readonly AggregateView[] = Object.freeze([roomsOperationsView, roomsView]);

/** Normalizing: raw Azure Communication Services log records to typed, validated records. */
export { normalizeRecord } from './normalizeRecord.js';
export { parseLogTime } from './time.js';
export { categoryFromContainer, containerForCategory, parseCategory } from './category.js';
export { resourceIdFromBlobPath } from './resourceIdFromBlobPath.js';
export { recordingIdFromUri } from './recordingIdFromUri.js';
export * from './types.js';
export * from './ranges.js';

export { Framer } from './Framer.js';
export type { FramerOptions } from './Framer.js';
export { decodeUnit, parseJsonTolerant } from './decodeUnit.js';
export { jsonSample } from './jsonSample.js';
export { utf8Boundary } from './bytes.js';
export type { DecodeResult } from './decodeUnit.js';
export type { FramedItem, FramedUnit, FramerPosition, FramingIssue, FramingIssueCode, FramingMode, RawRecord, RejectedElement } from './types.js';

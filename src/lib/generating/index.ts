/** Generating: synthetic, deterministic ACS diagnostic logs laid out as Azure Monitor writes them to storage. */
export { generateLogs } from './generate.js';
export { defaultGenerateOptions, MAX_RESOURCES } from './options.js';
export { writeLogsToBlobs, writeLogsToDirectory } from './writers.js';
export type { BlobAppendTarget, GenerateOptions, GenerateTotals, LogAppend, LogFileRef } from './types.js';

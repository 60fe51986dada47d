/**
 * The views' names, in the order they are listed, apart from their definitions (views.ts), so that
 * the CLI can offer them without loading every query.
 */
export const VIEW_NAMES = Object.freeze([
  'rooms-operations',
  'rooms',
  'calls',
  'recordings',
  'recording-operations',
  'usage',
  'call-volume',
  'call-quality',
  'retirement',
  'recordings-per-call',
] as const);

export type ViewName = (typeof VIEW_NAMES)[number];

import { categoryFromContainer, type Category } from '../normalizing/index.js';

/**
 * Which partitions a category's records reach, as a rank in the order a run reads: the call join's
 * six categories share the call partitions (a call's records are in several of them, hours apart),
 * and Rooms and Usage each have partitions of their own. A run reads family by family, each in
 * hour order. A run larger than one write can hold then leaves for its next write the last files of
 * the last family, which touch a few partitions (a resource's Usage), instead of the last hour of every
 * category, whose call logs touch hundreds of calls already written, each its own transaction again.
 */
const FAMILY: Readonly<Record<Category, number>> = {
  CallSummary: 0,
  CallSummaryUpdates: 0,
  CallDiagnostics: 0,
  CallDiagnosticsUpdates: 0,
  CallRecordingSummary: 0,
  CallRecordingOperational: 0,
  RoomsOperational: 1,
  Usage: 2,
};

/** The family rank of a container's files; a container of no known category is read with the calls, by hour. */
export function readingFamilyOf(container: string): number {
  const category = categoryFromContainer(container);
  return category === undefined ? 0 : FAMILY[category];
}

/**
 * readingFamilyOf that also knows the containers the settings name for each category
 * (ACS_LOGS_CONTAINER_*): a Rooms container of another name is read with Rooms, not with the calls.
 */
export function readingFamilies(containers: Readonly<Partial<Record<Category, string>>>): (container: string) => number {
  const named = new Map<string, number>();
  for (const [category, container] of Object.entries(containers) as [Category, string][]) named.set(container, FAMILY[category]);
  return (container) => named.get(container) ?? readingFamilyOf(container);
}

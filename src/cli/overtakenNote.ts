/** The end of a run's summary line when another run saved some of its segments' checkpoints first ('' when none). */
export function overtakenNote(segments: number): string {
  return segments > 0 ? `, ${segments} segment(s) another run saved first (their records count in that run's totals)` : '';
}

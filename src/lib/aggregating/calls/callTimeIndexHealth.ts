/** How health reports the time index of calls (callTimeIndex.ts). Types only, dependency-free: the dashboard imports it. */

/**
 * The time index of calls (docs/CALLS.md): `complete` once every stored call is listed (ranged calls
 * queries may read it); `listing` while the one-time pass over the calls stored before it is under
 * way, `waiting` before any run made it (queries scan the Calls table until it is complete).
 */
export interface CallTimeIndexHealth {
  state: 'complete' | 'listing' | 'waiting';
  completedAt: string | null;
  /**
   * Files an older version read after the index was complete (their checkpoints do not say that
   * their writer lists calls, as versions before the stamp do not): the calls it wrote may be missing
   * from ranged answers until `acs-logs reindex-calls`. Present in health's answer only.
   */
  filesReadByOlderVersions?: number;
}

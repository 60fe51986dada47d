/**
 * Runs `task(0) … task(count - 1)`, at most `limit` at a time, and fails with the first failure
 * (the others still running are awaited first, so none outlives the test). For independent cases
 * that mostly wait on storage: same cases, less wall time.
 */
export async function eachConcurrently(count: number, limit: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (failures.length === 0 && next < count) {
      const index = next++;
      try {
        await task(index);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  if (failures.length > 0) throw failures[0];
}

/**
 * Runs `task` over `items` with at most `limit` in flight. After a failure no new item is started;
 * the ones in flight finish, then it rejects with the first failure.
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !failed) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        failed ??= { error };
      }
    }
  });
  await Promise.all(workers);
  if (failed) throw failed.error;
}

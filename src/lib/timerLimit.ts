/** The longest wait a Node.js timer keeps (2^31 - 1 ms): a longer one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** MAX_TIMER_MS in whole seconds. */
export const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

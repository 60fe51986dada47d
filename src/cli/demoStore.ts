/** The demo's data dir unless --data-dir names another. */
export const DEFAULT_DEMO_DIR = '.acs-logs-demo';
/** A file in a data dir whose store the demo made: only such a store is emptied by the next demo. */
export const DEMO_MARKER = 'demo-store.txt';

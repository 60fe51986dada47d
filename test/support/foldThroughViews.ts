import { ALL_VIEWS } from '../../src/lib/aggregating/index.js';
import type { NormalizedRecord } from '../../src/lib/normalizing/types.js';

/** Routes the record to every view and folds it into empty rows: what a view does with it, or its exception. */
export function foldThroughEveryView(record: NormalizedRecord): void {
  for (const view of ALL_VIEWS) {
    const route = view.route(record);
    if (route)
      view.apply(
        record,
        route.rowKeys.map(() => ({})),
      );
  }
}

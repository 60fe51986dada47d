import type { TableStore } from '../storage/TableStore.js';

/** One caller's ask: settled by the batch it was sent in. */
export interface Ask {
  reject: (error: unknown) => void;
}

interface Gathering<A> {
  waiting: A[];
  sending: boolean;
  scheduled: boolean;
}

/**
 * Asks of one store sent together: those of the same turn of the event loop, and those made while the
 * store's previous batch is in flight, go as one batch when it is answered. A run starts hundreds of
 * blobs whose first reads come back one by one; each then asks at once, so a batch per turn would
 * often hold one ask. `send` settles each ask of its batch; a batch it fails rejects those it has
 * not settled (settling twice changes nothing). Each ask is sent after it was made, so its answer is
 * as fresh as a request of its own would be. Without `whileInFlight`, each turn's asks go at once,
 * beside batches still in flight.
 */
export function gatheredAsks<A extends Ask>(
  send: (tables: TableStore, batch: readonly A[]) => Promise<void>,
  { whileInFlight = true }: { whileInFlight?: boolean } = {},
): (tables: TableStore, ask: A) => void {
  const gatherings = new WeakMap<TableStore, Gathering<A>>();
  const schedule = (tables: TableStore, gathering: Gathering<A>): void => {
    gathering.scheduled = true;
    setImmediate(() => {
      gathering.scheduled = false;
      const batch = gathering.waiting;
      gathering.waiting = [];
      gathering.sending = true;
      send(tables, batch)
        .catch((error: unknown) => {
          for (const ask of batch) ask.reject(error);
        })
        .finally(() => {
          gathering.sending = false;
          if (whileInFlight && gathering.waiting.length > 0) schedule(tables, gathering);
        });
    });
  };
  return (tables, ask) => {
    let gathering = gatherings.get(tables);
    if (!gathering) {
      gathering = { waiting: [], sending: false, scheduled: false };
      gatherings.set(tables, gathering);
    }
    gathering.waiting.push(ask);
    if (!gathering.scheduled && !(whileInFlight && gathering.sending)) schedule(tables, gathering);
  };
}

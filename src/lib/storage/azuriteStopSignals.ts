/**
 * Loaded into the embedded Azurite process (azuritePreload.ts). Azurite stops on its first SIGINT or
 * SIGTERM, closing its databases (which saves them), and listens for that first signal only: a
 * second one then ended it at once, in the middle of its save, losing every write since the last
 * one. A second signal is common: a SIGTERM sent to the store's whole process group (`kill -- -PGID`,
 * a service manager stopping its control group) reaches Azurite and then its host, which stops
 * Azurite with a SIGTERM of its own; a command that finds an orphaned Azurite already saving stops
 * it the same way. Once Azurite is stopping, later SIGINTs and SIGTERMs are ignored (its stopper
 * kills it with SIGKILL if it never ends); before Azurite listens for them, they end it as before.
 */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

type Listener = (...args: unknown[]) => void;

/** The part of `process` the guard uses. */
export interface SignalTarget {
  on(signal: NodeJS.Signals, listener: Listener): unknown;
  off(signal: NodeJS.Signals, listener: Listener): unknown;
  listeners(signal: NodeJS.Signals): Listener[];
  kill(pid: number, signal: NodeJS.Signals): unknown;
  pid: number;
}

/** Installs the guard; to be called before Azurite adds its own listeners. */
export function guardStopSignals(target: SignalTarget = process as unknown as SignalTarget): void {
  let stopping = false;
  const guards = new Map<NodeJS.Signals, Listener>();
  for (const signal of STOP_SIGNALS) {
    const guard = (): void => {
      if (stopping) return;
      if (target.listeners(signal).some((listener) => listener !== guard)) {
        // Azurite's own listener runs after this one and stops it now.
        stopping = true;
        // Its listener of the other signal would stop it a second time (its servers refuse a second
        // close, and that rejection ends the process as surely as the signal would).
        for (const [other, otherGuard] of guards) {
          if (other === signal) continue;
          for (const listener of target.listeners(other)) if (listener !== otherGuard) target.off(other, listener);
        }
        return;
      }
      // Nothing of Azurite's listens yet: the signal's own effect, ending the process.
      target.off(signal, guard);
      target.kill(target.pid, signal);
    };
    guards.set(signal, guard);
    target.on(signal, guard);
  }
}

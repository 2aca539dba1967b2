import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Async<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  readonly loading: boolean;
  /** Loads again (after a change the page made, e.g. a review). */
  readonly reload: () => void;
}

/**
 * Runs `load` when `deps` change (forgetting the previous answer) or on `reload` (keeping it on screen until
 * the new one arrives); an answer that arrives after a newer request began is dropped.
 */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  const lastRound = useRef(round);
  useEffect(() => {
    let current = true;
    const reloading = lastRound.current !== round;
    lastRound.current = round;
    setState((s) => ({ data: reloading ? s.data : undefined, loading: true }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) =>
        current &&
        setState({ error: error instanceof Error ? error : new Error(String(error)), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

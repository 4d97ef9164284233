import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

export interface Loaded<T> {
  data?: T;
  error?: string;
  loading: boolean;
}

/**
 * Runs `load` whenever `key` changes (undefined key: nothing to load), dropping
 * answers that arrive after a newer request began.
 */
export function useLoad<T>(key: string | undefined, load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ loading: false });
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    if (key === undefined) {
      setState({ loading: false });
      return;
    }
    const ctl = new AbortController();
    setState((s) => ({ data: s.data, loading: true }));
    loader
      .current(ctl.signal)
      .then((data) => {
        if (!ctl.signal.aborted) setState({ data, loading: false });
      })
      .catch((err: unknown) => {
        if (ctl.signal.aborted) return;
        setState({ loading: false, error: err instanceof ApiError ? err.message : 'request failed' });
      });
    return () => ctl.abort();
  }, [key]);
  return state;
}

/** `value`, once it has not changed for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

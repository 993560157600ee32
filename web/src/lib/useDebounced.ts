import { useEffect, useState } from 'react';

/** `value`, once it has stopped changing for `ms` milliseconds. */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/**
 * Pause after the last keystroke before a search is sent: short enough that results show within
 * ~300 ms of typing stopping, long enough to skip the intermediate words of a fast typist.
 */
export const SEARCH_DEBOUNCE_MS = 150;

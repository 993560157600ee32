import { useCallback, useState } from 'react';

/** A piece of state kept in localStorage (JSON), falling back to `initial` when absent or invalid. */
export function useLocalStorage<T>(key: string, initial: T, valid: (v: unknown) => v is T) {
  const [value, setValue] = useState<T>(() => {
    try {
      const raw = localStorage.getItem(key);
      if (raw !== null) {
        const v: unknown = JSON.parse(raw);
        if (valid(v)) return v;
      }
    } catch {
      // fall back to the default
    }
    return initial;
  });
  const set = useCallback(
    (v: T) => {
      setValue(v);
      try {
        localStorage.setItem(key, JSON.stringify(v));
      } catch {
        // storage full or disabled: keep the choice for this page only
      }
    },
    [key],
  );
  return [value, set] as const;
}

import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

/** A string kept in the URL's query, so filters survive reloads and can be shared. */
export function useSearchParam(name: string, fallback = ''): [string, (value: string) => void] {
  const [params, setParams] = useSearchParams();
  const value = params.get(name) ?? fallback;
  const set = useCallback(
    (next: string) =>
      setParams(
        (prev) => {
          const out = new URLSearchParams(prev);
          if (next) out.set(name, next);
          else out.delete(name);
          return out;
        },
        { replace: true },
      ),
    [name, setParams],
  );
  return [value, set];
}

// A choice shown on a report (a panel's tab, the trend's metric) kept in the URL, so a shared
// link opens on the same tab; anything not allowed reads as the fallback.
import { useSearchParams } from 'react-router-dom';

export function useUrlChoice<T extends string>(key: string, allowed: readonly T[], fallback: T): [T, (v: T) => void] {
  const [params, setParams] = useSearchParams();
  const raw = params.get(key);
  const value = raw !== null && (allowed as readonly string[]).includes(raw) ? (raw as T) : fallback;
  const set = (v: T) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (v === fallback) next.delete(key);
        else next.set(key, v);
        return next;
      },
      { replace: true },
    );
  return [value, set];
}

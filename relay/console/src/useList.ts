import { useCallback, useEffect, useState } from 'react';
import { api } from './api.js';
import { useApiErrors } from './session.js';

/** A list loaded from the API, with its loading flag and a reload. */
export interface ListState<T> {
  items: T[];
  loading: boolean;
  reload: () => Promise<void>;
}

/** Loads `GET path` and returns the array under `key`. */
export function useList<T>(path: string, key: string): ListState<T> {
  const [items, setItems] = useState<T[]>([]);
  const [loading, setLoading] = useState(true);
  const showError = useApiErrors();
  const reload = useCallback(async () => {
    setLoading(true);
    try {
      const body = await api<Record<string, T[]>>('GET', path);
      setItems(body[key] ?? []);
    } catch (error) {
      showError(error);
    } finally {
      setLoading(false);
    }
  }, [path, key, showError]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { items, loading, reload };
}

/** Formats an ISO time in the UI language, or returns `fallback` for null. */
export function formatTime(iso: string | null | undefined, language: string, fallback = '—'): string {
  if (!iso) return fallback;
  return new Date(iso).toLocaleString(language === 'en' ? 'en-GB' : 'zh-CN', { hour12: false });
}

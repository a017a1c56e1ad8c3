import { useSyncExternalStore } from 'react';

export type ToastKind = 'success' | 'error' | 'info';
export type Toast = { id: number; kind: ToastKind; message: string; key?: string; also?: string[] };
/** `key` names what a toast is about (e.g. `reservation:<id>`): one toast per key is shown, so a
 * change the user made and the live notification about the same change do not both pop up.
 * `also` names more keys the toast answers for (a series' summary: each occurrence's), and
 * `replace` puts this message in place of a toast already shown for the key (the summary over
 * the first occurrence's live notification). */
export type ToastOptions = { key?: string; also?: string[]; replace?: boolean };

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();

function emit(): void {
  for (const listener of listeners) listener();
}

export function dismissToast(id: number): void {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

function push(kind: ToastKind, message: string, options: ToastOptions = {}): number {
  const { key, also, replace } = options;
  const keys = [key, ...(also ?? [])].filter((k): k is string => Boolean(k));
  const same = keys.length ? toasts.find((t) => [t.key, ...(t.also ?? [])].some((k) => k && keys.includes(k))) : undefined;
  if (same && replace) {
    // A new id: the replaced toast's timer must not end this one early.
    const id = nextId++;
    toasts = toasts.map((t) => (t.id === same.id ? { id, kind, message, key, also } : t));
    emit();
    if (kind !== 'error') setTimeout(() => dismissToast(id), 5000);
    return id;
  }
  if (same) return same.id;
  const id = nextId++;
  toasts = [...toasts.slice(-4), { id, kind, message, key, also }];
  emit();
  if (kind !== 'error') setTimeout(() => dismissToast(id), 5000);
  return id;
}

export const toast = {
  success: (message: string, options?: ToastOptions) => push('success', message, options),
  error: (message: string, options?: ToastOptions) => push('error', message, options),
  info: (message: string, options?: ToastOptions) => push('info', message, options),
};

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useToasts(): Toast[] {
  return useSyncExternalStore(subscribe, () => toasts);
}

export function clearToastsForTests(): void {
  toasts = [];
  emit();
}

import type { FieldPath, FieldValues, UseFormReturn } from 'react-hook-form';
import { ApiError } from '@/lib/api/problem';

/** The form field a server error key names: the key itself or its nearest parent the form holds
 * (`parameters.properties.x` lands on `parameters`, `scope.ids` on `scope.ids`). */
export function fieldFor<T extends FieldValues>(values: T, key: string): FieldPath<T> | undefined {
  const parts = key.split('.').filter(Boolean);
  for (let n = parts.length; n > 0; n -= 1) {
    let node: unknown = values;
    for (const part of parts.slice(0, n)) {
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
    }
    if (node !== undefined) return parts.slice(0, n).join('.') as FieldPath<T>;
  }
  return undefined;
}

/**
 * Puts a failed submission's problem+json field errors on the form's fields (the first one gets
 * the focus) and returns what the form shows above its fields: the problem's detail, or
 * `fallback` when the server could not be reached.
 */
export function applyServerErrors<T extends FieldValues>(form: UseFormReturn<T>, error: unknown, fallback: string): string {
  if (!(error instanceof ApiError)) return fallback;
  const values = form.getValues();
  let focused = false;
  for (const [key, message] of Object.entries(error.fieldErrors)) {
    const name = fieldFor(values, key);
    if (!name || form.getFieldState(name).error) continue;
    form.setError(name, { type: 'server', message }, { shouldFocus: !focused });
    focused = true;
  }
  return error.message;
}

import type { TFunction } from 'i18next';
import { z } from 'zod';
import { parseFilters } from './filters';

/** The largest number of units one resource of the choice lends: the type's capacity, or a
 * resource's own when it declares a larger one. 1 when nothing is chosen. */
export function largestCapacity(typeCapacity: number | undefined, resources: readonly { capacity?: number | null }[]): number {
  let largest = typeCapacity ?? 1;
  for (const r of resources) largest = Math.max(largest, r.capacity ?? typeCapacity ?? 1);
  return largest;
}

/** The find form's values, checked before anything is sent; `capacity` bounds the units asked
 * of each resource (the server answers 422 on `quantity` if the matching ones lend fewer). */
export function findSchema(t: TFunction, { capacity }: { capacity: number }) {
  const whole = (min: number, max?: number) => {
    let n = z.number(t('validation.number')).int(t('validation.integer')).min(min, t('validation.min', { n: min }));
    if (max !== undefined) n = n.max(max, t('validation.max', { n: max }));
    return n;
  };
  return z.object({
    site: z.string().min(1, t('validation.required')),
    type_id: z.string().min(1, t('validation.required')),
    count: whole(1),
    quantity: whole(1, capacity),
    attributes: z.string().superRefine((text, ctx) => {
      const { invalid } = parseFilters(text);
      if (invalid.length > 0) ctx.addIssue({ code: 'custom', message: t('find.badFilters', { lines: invalid.join(', ') }) });
    }),
    duration: z.number(t('validation.number')).positive(t('validation.number')),
    earliest_start: z.string(),
    latest_end: z.string(),
    title: z.string(),
  });
}

export type FindValues = z.infer<ReturnType<typeof findSchema>>;

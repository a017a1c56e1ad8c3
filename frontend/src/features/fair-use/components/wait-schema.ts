import type { TFunction } from 'i18next';
import { z } from 'zod';

/** The units to wait for: 1 to the resource's capacity (the server answers 422 on `quantity`
 * beyond it). */
export function waitSchema(t: TFunction, { capacity }: { capacity: number }) {
  return z.object({
    quantity: z
      .number(t('validation.number'))
      .int(t('validation.integer'))
      .min(1, t('validation.min', { n: 1 }))
      .max(capacity, t('validation.max', { n: capacity })),
  });
}

export type WaitValues = z.infer<ReturnType<typeof waitSchema>>;

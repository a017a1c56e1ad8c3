import type { TFunction } from 'i18next';
import { z } from 'zod';
import type { JsonObject, ResourceStatus } from '@/lib/api/types';

export const STATUSES = ['active', 'maintenance', 'retired'] as const satisfies readonly ResourceStatus[];

/** Parses the attributes box: a JSON object, or the reason it is not one. */
export function parseAttributes(text: string): { value: JsonObject } | { error: string } {
  try {
    const value: unknown = JSON.parse(text.trim() || '{}');
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'not an object' };
    return { value: value as JsonObject };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The values of the new and edit resource dialogs, checked before anything is sent. */
export function resourceSchema(t: TFunction, { typeRequired }: { typeRequired: boolean }) {
  return z.object({
    name: z.string().trim().min(1, t('validation.required')),
    type_id: typeRequired ? z.string().min(1, t('validation.required')) : z.string(),
    parent_id: z.string(),
    location: z.string(),
    description: z.string(),
    status: z.enum(STATUSES),
    attributes: z.string().refine((text) => 'value' in parseAttributes(text), t('admin.attributesInvalid')),
  });
}

export type ResourceValues = z.infer<ReturnType<typeof resourceSchema>>;

import type { NumberRange } from '@/lib/api/types';

export type AttributeFilters = Record<string, string | number | boolean | NumberRange>;

const RANGE = /^([^<>=!\s]+)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)$/;
const EQUAL = /^([^<>=!\s]+)\s*=\s*(.+)$/;
const OPERATORS = { '>=': 'gte', '>': 'gt', '<=': 'lte', '<': 'lt' } as const;

/**
 * Attribute filters written one per line or comma: `gpu=a100`, `memory_gb>=64`,
 * `memory_gb<=256`. Numbers and true/false compare as such; ranges on one attribute combine.
 * Returns the filters and the lines it could not read.
 */
export function parseFilters(text: string): { filters: AttributeFilters; invalid: string[] } {
  const filters: AttributeFilters = {};
  const invalid: string[] = [];
  for (const raw of text.split(/[\n,]/)) {
    const line = raw.trim();
    if (!line) continue;
    const range = RANGE.exec(line);
    if (range) {
      const [, key, op, value] = range as unknown as [string, string, keyof typeof OPERATORS, string];
      const previous = filters[key];
      const bounds: NumberRange = typeof previous === 'object' ? { ...previous } : {};
      bounds[OPERATORS[op]] = Number(value);
      filters[key] = bounds;
      continue;
    }
    const equal = EQUAL.exec(line);
    if (equal) {
      const [, key, value] = equal as unknown as [string, string, string];
      const v = value.trim();
      filters[key] = v === 'true' ? true : v === 'false' ? false : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
      continue;
    }
    invalid.push(line);
  }
  return { filters, invalid };
}

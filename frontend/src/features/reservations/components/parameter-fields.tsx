import { useTranslation } from 'react-i18next';
import { Field } from '@/components/ui/field';
import type { JsonObject } from '@/lib/api/types';

/** The subset of JSON Schema used for a resource type's booking parameters. */
export type PropertySchema = {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
};

export type ParametersSchema = {
  type?: string;
  properties?: Record<string, PropertySchema>;
  required?: string[];
};

export type ParameterValues = Record<string, string | boolean>;

function kindOf(prop: PropertySchema): 'integer' | 'number' | 'boolean' | 'string' {
  const type = Array.isArray(prop.type) ? prop.type.find((t) => t !== 'null') : prop.type;
  if (type === 'integer' || type === 'number' || type === 'boolean') return type;
  return 'string';
}

export function initialValues(schema: ParametersSchema): ParameterValues {
  const out: ParameterValues = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    if (prop.default !== undefined) out[name] = kindOf(prop) === 'boolean' ? Boolean(prop.default) : String(prop.default);
    else if (kindOf(prop) === 'boolean') out[name] = false;
  }
  return out;
}

/** Form values (strings from inputs) to the JSON the API validates; empty optional fields are left out. */
export function toParameters(schema: ParametersSchema, values: ParameterValues): JsonObject {
  const out: JsonObject = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const raw = values[name];
    if (raw === undefined || raw === '') continue;
    const kind = kindOf(prop);
    if (kind === 'boolean') out[name] = Boolean(raw);
    else if (kind === 'integer' || kind === 'number') out[name] = Number(raw);
    else out[name] = raw;
  }
  return out;
}

/** Inline validation mirroring the server's JSON Schema check for the common keywords. */
export function validateParameters(schema: ParametersSchema, values: ParameterValues): Record<string, string> {
  const errors: Record<string, string> = {};
  const required = new Set(schema.required ?? []);
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const raw = values[name];
    const kind = kindOf(prop);
    if (raw === undefined || raw === '') {
      if (required.has(name) && kind !== 'boolean') errors[name] = 'required';
      continue;
    }
    if (kind === 'integer' || kind === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n)) errors[name] = 'not-a-number';
      else if (kind === 'integer' && !Number.isInteger(n)) errors[name] = 'not-an-integer';
      else if (prop.minimum !== undefined && n < prop.minimum) errors[name] = `min:${prop.minimum}`;
      else if (prop.maximum !== undefined && n > prop.maximum) errors[name] = `max:${prop.maximum}`;
      else if (prop.exclusiveMinimum !== undefined && n <= prop.exclusiveMinimum) errors[name] = `min:${prop.exclusiveMinimum + 1}`;
      else if (prop.exclusiveMaximum !== undefined && n >= prop.exclusiveMaximum) errors[name] = `max:${prop.exclusiveMaximum - 1}`;
    } else if (kind === 'string' && typeof raw === 'string') {
      if (prop.minLength !== undefined && raw.length < prop.minLength) errors[name] = `minLength:${prop.minLength}`;
      else if (prop.maxLength !== undefined && raw.length > prop.maxLength) errors[name] = `maxLength:${prop.maxLength}`;
      else if (prop.pattern && !new RegExp(prop.pattern, 'u').test(raw)) errors[name] = 'pattern';
    }
    if (prop.enum && !prop.enum.map(String).includes(String(raw))) errors[name] = 'enum';
  }
  return errors;
}

/** A key without a schema title, readable: `vlan_id` -> `Vlan id`. */
export function humaniseKey(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The allowed values a schema property states, as translation key and arguments. */
type RangeKey = 'validation.rangeBetween' | 'validation.rangeMin' | 'validation.rangeMax' | 'validation.lengthBetween' | 'validation.lengthMax';

export function allowedRange(prop: PropertySchema): { key: RangeKey; args: { min?: number; max?: number } } | undefined {
  const kind = kindOf(prop);
  if (kind === 'integer' || kind === 'number') {
    const min = prop.minimum ?? (prop.exclusiveMinimum !== undefined ? prop.exclusiveMinimum + (kind === 'integer' ? 1 : 0) : undefined);
    const max = prop.maximum ?? (prop.exclusiveMaximum !== undefined ? prop.exclusiveMaximum - (kind === 'integer' ? 1 : 0) : undefined);
    if (min !== undefined && max !== undefined) return { key: 'validation.rangeBetween', args: { min, max } };
    if (min !== undefined) return { key: 'validation.rangeMin', args: { min } };
    if (max !== undefined) return { key: 'validation.rangeMax', args: { max } };
  }
  if (kind === 'string') {
    if (prop.minLength !== undefined && prop.maxLength !== undefined)
      return { key: 'validation.lengthBetween', args: { min: prop.minLength, max: prop.maxLength } };
    if (prop.maxLength !== undefined) return { key: 'validation.lengthMax', args: { max: prop.maxLength } };
  }
  return undefined;
}

type Messages = (code: string) => string;

type ParameterFieldsProps = {
  schema: ParametersSchema;
  values: ParameterValues;
  errors: Record<string, string>;
  onChange: (name: string, value: string | boolean) => void;
  message: Messages;
};

/** One labelled control per schema property, with its description as hint and its error inline. */
export function ParameterFields({ schema, values, errors, onChange, message }: ParameterFieldsProps) {
  const { t } = useTranslation();
  const required = new Set(schema.required ?? []);
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([name, prop]) => {
        const label = prop.title ?? humaniseKey(name);
        const range = allowedRange(prop);
        const rangeText = range ? t(range.key, { min: range.args.min ?? '', max: range.args.max ?? '' }) : undefined;
        const hint = [prop.description, rangeText].filter(Boolean).join(' ') || undefined;
        const kind = kindOf(prop);
        const error = errors[name] ? message(errors[name]) : undefined;
        if (kind === 'boolean') {
          return (
            <div key={name} className="check">
              <input
                id={`param-${name}`}
                type="checkbox"
                checked={Boolean(values[name])}
                onChange={(e) => onChange(name, e.target.checked)}
              />
              <label htmlFor={`param-${name}`}>{label}</label>
              {error ? <span className="field-error">{error}</span> : null}
            </div>
          );
        }
        const value = typeof values[name] === 'string' ? values[name] : '';
        return (
          <Field key={name} label={label} hint={hint} error={error} required={required.has(name)}>
            {prop.enum ? (
              <select name={name} value={value} onChange={(e) => onChange(name, e.target.value)}>
                <option value="" />
                {prop.enum.map((option) => (
                  <option key={String(option)} value={String(option)}>
                    {String(option)}
                  </option>
                ))}
              </select>
            ) : (
              <input
                name={name}
                type={kind === 'string' ? 'text' : 'number'}
                inputMode={kind === 'integer' ? 'numeric' : undefined}
                step={kind === 'integer' ? 1 : 'any'}
                min={prop.minimum}
                max={prop.maximum}
                value={value}
                onChange={(e) => onChange(name, e.target.value)}
              />
            )}
          </Field>
        );
      })}
    </>
  );
}

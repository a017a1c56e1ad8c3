import type { ReactElement, ReactNode } from 'react';
import { get, useController, useFormContext, useFormState, type FieldErrors } from 'react-hook-form';
import { DurationInput } from '@/components/ui/duration-input';
import { Field } from '@/components/ui/field';

type FormFieldProps = {
  /** The form value this control edits: its error (the schema's or the server's) shows inline. */
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  required?: boolean;
  className?: string;
  children: ReactElement<Record<string, unknown>>;
};

type ErrorNode = { message?: unknown; root?: { message?: unknown } } | undefined;

/** The message of the error at `name` (a group's own or its root's), if it is one to show. */
function messageAt(errors: FieldErrors, name: string): string | undefined {
  const node = get(errors, name) as ErrorNode;
  const message = node?.message ?? node?.root?.message;
  return typeof message === 'string' && message ? message : undefined;
}

/** A `Field` inside a `FormDialog`: label, hint and the field's current error message. */
export function FormField({ name, ...props }: FormFieldProps) {
  const { control } = useFormContext();
  const { errors } = useFormState({ control, name });
  return <Field {...props} error={messageAt(errors, name)} />;
}

/** The error of a value edited by a group of controls (checkboxes, radios), under its fieldset. */
export function FormGroupError({ name }: { name: string }) {
  const { control } = useFormContext();
  const { errors } = useFormState({ control, name });
  const message = messageAt(errors, name);
  return message ? (
    <p className="field-error" role="alert">
      {message}
    </p>
  ) : null;
}

type ControlProps = { id?: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string; 'aria-required'?: boolean };

/** A `DurationInput` bound to the form value `name` (ISO 8601 text), for use inside `FormField`. */
export function FormDurationInput({ name, ...control }: { name: string } & ControlProps) {
  const {
    field: { ref, value, onChange },
  } = useController({ name });
  return <DurationInput ref={ref} value={String(value ?? '')} onChange={onChange} {...control} />;
}

import { useState, type ReactNode } from 'react';
import { FormProvider, type FieldValues, type UseFormReturn } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { ApiError } from '@/lib/api/problem';
import { applyServerErrors } from '@/lib/form';

type FormDialogProps<T extends FieldValues> = {
  title: ReactNode;
  /** The form's accessible name. */
  label: string;
  /** A react-hook-form form, usually with a zod resolver: its errors show under the fields. */
  form: UseFormReturn<T>;
  /** Sends the valid values (a mutation's `mutateAsync`); a rejected ApiError's field errors land
   * on the fields, its detail above them. */
  onSubmit: (values: T) => Promise<unknown>;
  onClose: () => void;
  submitLabel: string;
  /** A clearer sentence than the problem's detail for some answers (e.g. 412 on a stale edit). */
  describeFailure?: (error: ApiError) => string | undefined;
  children: ReactNode;
};

/**
 * The one pattern of the app's form dialogs: validation messages inline under each field, the
 * focus on the first field in error (the schema's or the server's), the server's field errors
 * mapped onto the fields, and the submit button disabled while the request is on its way.
 */
export function FormDialog<T extends FieldValues>({ title, label, form, onSubmit, onClose, submitLabel, describeFailure, children }: FormDialogProps<T>) {
  const { t } = useTranslation();
  const [failure, setFailure] = useState<string | null>(null);
  const submit = form.handleSubmit(async (values) => {
    setFailure(null);
    try {
      await onSubmit(values);
    } catch (error) {
      const message = applyServerErrors(form, error, t('errors.network'));
      setFailure((error instanceof ApiError && describeFailure?.(error)) || message);
    }
  });
  const pending = form.formState.isSubmitting;
  return (
    <Dialog open title={title} onClose={onClose}>
      <FormProvider {...form}>
        <form onSubmit={submit} noValidate aria-label={label} aria-busy={pending || undefined}>
          {failure ? (
            <p className="callout callout-danger" role="alert">
              {failure}
            </p>
          ) : null}
          {children}
          <div className="form-actions">
            <Button onClick={onClose}>{t('common.cancel')}</Button>
            <Button type="submit" variant="primary" busy={pending}>
              {submitLabel}
            </Button>
          </div>
        </form>
      </FormProvider>
    </Dialog>
  );
}

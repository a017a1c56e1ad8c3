import { zodResolver } from '@hookform/resolvers/zod';
import { screen, waitFor } from '@testing-library/react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { ApiError } from '@/lib/api/problem';
import { fieldFor } from '@/lib/form';
import { renderWithApp } from '@/testing/render';
import { FormDialog } from './form-dialog';
import { FormField } from './form-field';

const schema = z.object({
  name: z.string().trim().min(1, 'Name is required.'),
  url: z.string().startsWith('https://', 'Use https.'),
  parameters: z.string(),
});
type Values = z.infer<typeof schema>;

function Example({ onSubmit }: { onSubmit: (values: Values) => Promise<unknown> }) {
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { name: '', url: 'https://', parameters: '{}' } });
  return (
    <FormDialog title="Example" label="Example" form={form} onSubmit={onSubmit} onClose={() => undefined} submitLabel="Save">
      <FormField name="name" label="Name" required>
        <input {...form.register('name')} />
      </FormField>
      <FormField name="url" label="URL">
        <input {...form.register('url')} />
      </FormField>
      <FormField name="parameters" label="Parameters">
        <textarea {...form.register('parameters')} />
      </FormField>
    </FormDialog>
  );
}

describe('form dialog', () => {
  it('shows the schema messages under their fields, focuses the first one and sends nothing', async () => {
    const onSubmit = vi.fn(async () => undefined);
    const { user } = renderWithApp(<Example onSubmit={onSubmit} />);
    await user.clear(screen.getByLabelText(/^URL/));
    await user.type(screen.getByLabelText(/^URL/), 'http://x');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Name is required.')).toBeInTheDocument();
    expect(screen.getByText('Use https.')).toBeInTheDocument();
    expect(screen.getByLabelText(/^Name/)).toHaveFocus();
    expect(screen.getByLabelText(/^Name/)).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText(/^Name/)).toHaveAccessibleDescription('Name is required.');
    expect(onSubmit).not.toHaveBeenCalled();
    // The message goes once the value is fixed.
    await user.type(screen.getByLabelText(/^Name/), 'Lab');
    await waitFor(() => expect(screen.queryByText('Name is required.')).not.toBeInTheDocument());
  });

  it("puts the server's problem+json field errors on their fields and focuses the first", async () => {
    const onSubmit = vi.fn(async () => {
      throw new ApiError(422, {
        status: 422,
        detail: 'The request has 2 invalid fields.',
        errors: [
          { loc: ['body', 'url'], msg: 'private address' },
          { loc: ['body', 'parameters', 'vlan_id'], msg: 'must be at most 4094' },
          { loc: ['body', 'unknown_field'], msg: 'not shown on a field' },
        ],
      });
    });
    const { user } = renderWithApp(<Example onSubmit={onSubmit} />);
    await user.type(screen.getByLabelText(/^Name/), 'Lab');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('private address')).toBeInTheDocument();
    expect(screen.getByLabelText(/^URL/)).toHaveAccessibleDescription('private address');
    expect(screen.getByLabelText(/^Parameters/)).toHaveAccessibleDescription('must be at most 4094');
    expect(screen.getByLabelText(/^URL/)).toHaveFocus();
    expect(screen.getByText('The request has 2 invalid fields.')).toBeInTheDocument();
    expect(onSubmit).toHaveBeenCalledWith({ name: 'Lab', url: 'https://', parameters: '{}' });
  });

  it('disables the submit button while the request is on its way', async () => {
    let finish: () => void = () => undefined;
    const onSubmit = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const { user } = renderWithApp(<Example onSubmit={onSubmit} />);
    await user.type(screen.getByLabelText(/^Name/), 'Lab');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Save' })).toBeDisabled());
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(onSubmit).toHaveBeenCalledTimes(1);
    finish();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Save' })).toBeEnabled());
  });

  it('says so when the server cannot be reached', async () => {
    const { user } = renderWithApp(<Example onSubmit={async () => Promise.reject(new TypeError('Failed to fetch'))} />);
    await user.type(screen.getByLabelText(/^Name/), 'Lab');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The server could not be reached.');
  });
});

describe('server error keys', () => {
  it('land on the field itself or its nearest parent the form holds', () => {
    const values = { name: '', scope: { kind: 'resource', ids: [] as string[] }, parameters: '{}' };
    expect(fieldFor(values, 'name')).toBe('name');
    expect(fieldFor(values, 'scope.ids')).toBe('scope.ids');
    expect(fieldFor(values, 'scope.ids.0')).toBe('scope.ids');
    expect(fieldFor(values, 'parameters.vlan_id')).toBe('parameters');
    expect(fieldFor(values, 'owner_id')).toBeUndefined();
  });
});

import { screen, within } from '@testing-library/react';
import { fakeSession, renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, problem, server } from '@/testing/server';
import { ProfileView } from './profile-view';

describe('profile', () => {
  it('shows the identity from the token and adds an SSH key, showing a refusal on the field', async () => {
    const keys: Record<string, unknown>[] = [];
    server.use(
      http.get(`${API}/users/me`, () =>
        HttpResponse.json({ id: 'sub-bob', username: 'bob', display_name: 'Bob Member', email: 'bob@example.test' }),
      ),
      http.get(`${API}/users/me/ssh-keys`, () => HttpResponse.json(keys)),
      http.post(`${API}/users/me/ssh-keys`, async ({ request }) => {
        const body = (await request.json()) as { public_key: string; name: string | null };
        if (!body.public_key.startsWith('ssh-')) {
          return problem(422, { errors: [{ loc: ['body', 'public_key'], msg: 'not an OpenSSH public key', type: 'value_error' }] });
        }
        keys.push({ id: 'k1', name: body.name, key_type: 'ssh-ed25519', fingerprint: 'SHA256:abc', public_key: body.public_key });
        return HttpResponse.json(keys[0]!, { status: 201 });
      }),
    );
    const { user } = renderWithApp(<ProfileView />, { session: fakeSession({ roles: ['platform-admin', 'offline_access', 'uma_authorization'] }) });
    expect(await screen.findByText('Bob Member')).toBeInTheDocument();
    // Roles in words; the identity provider's own roles are not shown.
    expect(screen.getByText('Platform admin')).toBeInTheDocument();
    expect(screen.queryByText(/offline_access/)).not.toBeInTheDocument();
    expect(await screen.findByText('No SSH keys yet.')).toBeInTheDocument();

    const form = screen.getByRole('form', { name: 'Add key' });
    await user.type(within(form).getByLabelText(/Public key/), 'garbage');
    await user.click(within(form).getByRole('button', { name: 'Add key' }));
    expect(await screen.findByText('not an OpenSSH public key')).toBeInTheDocument();

    await user.clear(within(form).getByLabelText(/Public key/));
    await user.type(within(form).getByLabelText(/Key name/), 'laptop');
    await user.type(within(form).getByLabelText(/Public key/), 'ssh-ed25519 AAAAC3Nz me@laptop');
    await user.click(within(form).getByRole('button', { name: 'Add key' }));
    expect(await screen.findByText('SHA256:abc')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Remove key laptop' })).toBeInTheDocument();
  });
});

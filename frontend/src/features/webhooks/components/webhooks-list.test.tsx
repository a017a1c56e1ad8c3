import { screen, waitFor, within } from '@testing-library/react';
import { fakeSession, renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, problem, server } from '@/testing/server';
import { WebhooksList } from './webhooks-list';

const webhook = {
  id: 'wh-1',
  site_id: 'site-1',
  name: 'Switch automation',
  description: '',
  url: 'https://hooks.example.org/in',
  event_types: [],
  scope: { kind: 'site', ids: [], include_subtree: false },
  enabled: true,
  disabled_reason: null,
  disabled_at: null,
  integration_client_id: null,
  max_concurrency: 4,
  rate_limit_per_second: null,
  failing_since: null,
  secrets: [{ id: 's1', created_at: '2030-01-01T00:00:00Z', expires_at: null }],
  version: 1,
  created_at: '2030-01-01T00:00:00Z',
  updated_at: '2030-01-01T00:00:00Z',
};

describe('webhooks', () => {
  it('creates a webhook, shows its secret once with a copy button, and lists it', async () => {
    const items: (typeof webhook)[] = [];
    let posted: Record<string, unknown> = {};
    server.use(
      http.get(`${API}/sites/site-1/webhooks`, () => HttpResponse.json({ items, meta: { page: 1, size: 100, total: items.length, pages: 1 } })),
      http.post(`${API}/sites/site-1/webhooks`, async ({ request }) => {
        posted = (await request.json()) as Record<string, unknown>;
        if (!String(posted.url).startsWith('https://hooks')) {
          return problem(422, { detail: 'url: private address', errors: [{ loc: ['body', 'url'], msg: 'private address', type: 'value_error' }] });
        }
        items.push(webhook);
        return HttpResponse.json({ ...webhook, secret: 'whsec_c2VjcmV0LXZhbHVl' }, { status: 201 });
      }),
    );
    const onOpen = vi.fn();
    const { user } = renderWithApp(<WebhooksList site="site-1" onOpen={onOpen} />, { session: fakeSession({ roles: ['platform-admin'] }) });
    expect(await screen.findByText('Nothing here yet.')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'New webhook' }));
    const dialog = screen.getByRole('dialog', { name: 'New webhook' });
    await user.type(within(dialog).getByLabelText(/^Name/), 'Switch automation');
    await user.clear(within(dialog).getByLabelText(/^Endpoint URL/));
    await user.type(within(dialog).getByLabelText(/^Endpoint URL/), 'http://10.0.0.1/in');
    await user.click(within(dialog).getByLabelText('reservation.started'));
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByText('private address')).toBeInTheDocument();
    // The server's field error sits under the field it names, which gets the focus.
    expect(within(dialog).getByLabelText(/^Endpoint URL/)).toHaveAccessibleDescription('private address');
    expect(within(dialog).getByLabelText(/^Endpoint URL/)).toHaveFocus();

    await user.clear(within(dialog).getByLabelText(/^Endpoint URL/));
    await user.type(within(dialog).getByLabelText(/^Endpoint URL/), 'https://hooks.example.org/in');
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));

    const secretDialog = await screen.findByRole('dialog', { name: 'Signing secret' });
    expect(posted).toMatchObject({ name: 'Switch automation', event_types: ['reservation.started'], scope: { kind: 'site' } });
    expect(within(secretDialog).getByTestId('webhook-secret')).toHaveTextContent('whsec_c2VjcmV0LXZhbHVl');
    expect(within(secretDialog).queryByRole('button', { name: 'Close', hidden: false })).toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(screen.getByRole('dialog', { name: 'Signing secret' })).toBeInTheDocument();
    await user.click(within(secretDialog).getByRole('button', { name: 'Copy' }));
    // user-event installs a clipboard stand-in: read back what the dialog wrote.
    expect(await navigator.clipboard.readText()).toBe('whsec_c2VjcmV0LXZhbHVl');
    expect(await within(secretDialog).findByRole('button', { name: 'Copied' })).toBeInTheDocument();
    await user.click(within(secretDialog).getByRole('button', { name: 'Close' }));
    expect(onOpen).toHaveBeenCalledWith('wh-1');
    await waitFor(() => expect(screen.queryByText('whsec_c2VjcmV0LXZhbHVl')).toBeNull());
    expect(await screen.findByRole('link', { name: 'Switch automation' })).toBeInTheDocument();
  });

  it('limits a new webhook to chosen resources and their subtree, and refuses an empty choice', async () => {
    let posted: Record<string, unknown> = {};
    server.use(
      http.get(`${API}/sites/site-1/webhooks`, () => HttpResponse.json({ items: [], meta: { page: 1, size: 100, total: 0, pages: 1 } })),
      http.get(`${API}/sites/site-1/resources`, () =>
        HttpResponse.json({
          items: [
            { id: 'res-rack', name: 'Rack A' },
            { id: 'res-sw', name: 'Switch 7' },
          ],
          meta: { page: 1, size: 100, total: 2, pages: 1 },
        }),
      ),
      http.post(`${API}/sites/site-1/webhooks`, async ({ request }) => {
        posted = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json({ ...webhook, scope: posted.scope, secret: 'whsec_eA==' }, { status: 201 });
      }),
    );
    const { user } = renderWithApp(<WebhooksList site="site-1" onOpen={vi.fn()} />, { session: fakeSession({ roles: ['platform-admin'] }) });
    await user.click(await screen.findByRole('button', { name: 'New webhook' }));
    const dialog = screen.getByRole('dialog', { name: 'New webhook' });
    await user.type(within(dialog).getByLabelText(/^Name/), 'Rack feed');
    await user.clear(within(dialog).getByLabelText(/^Endpoint URL/));
    await user.type(within(dialog).getByLabelText(/^Endpoint URL/), 'https://hooks.example.org/rack');
    await user.click(within(dialog).getByLabelText('Some resources'));
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByText('Pick at least one.')).toBeInTheDocument();
    expect(posted).toEqual({});

    await user.click(await within(dialog).findByLabelText('Rack A'));
    await user.click(within(dialog).getByLabelText('Also the resources inside them'));
    await user.click(within(dialog).getByLabelText('resource.status_changed'));
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    await screen.findByRole('dialog', { name: 'Signing secret' });
    expect(posted).toMatchObject({
      event_types: ['resource.status_changed'],
      scope: { kind: 'resource', ids: ['res-rack'], include_subtree: true },
    });
  });

  it('limits a new webhook to chosen resource types without a subtree flag', async () => {
    let posted: Record<string, unknown> = {};
    server.use(
      http.get(`${API}/sites/site-1/webhooks`, () => HttpResponse.json({ items: [], meta: { page: 1, size: 100, total: 0, pages: 1 } })),
      http.get(`${API}/sites/site-1/resource-types`, () =>
        HttpResponse.json({ items: [{ id: 'rt-gpu', name: 'GPU node' }], meta: { page: 1, size: 100, total: 1, pages: 1 } }),
      ),
      http.post(`${API}/sites/site-1/webhooks`, async ({ request }) => {
        posted = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json({ ...webhook, scope: posted.scope, secret: 'whsec_eA==' }, { status: 201 });
      }),
    );
    const { user } = renderWithApp(<WebhooksList site="site-1" onOpen={vi.fn()} />, { session: fakeSession({ roles: ['platform-admin'] }) });
    await user.click(await screen.findByRole('button', { name: 'New webhook' }));
    const dialog = screen.getByRole('dialog', { name: 'New webhook' });
    await user.type(within(dialog).getByLabelText(/^Name/), 'GPU feed');
    await user.clear(within(dialog).getByLabelText(/^Endpoint URL/));
    await user.type(within(dialog).getByLabelText(/^Endpoint URL/), 'https://hooks.example.org/gpu');
    await user.click(within(dialog).getByLabelText('Some resource types'));
    expect(within(dialog).queryByLabelText('Also the resources inside them')).toBeNull();
    await user.click(await within(dialog).findByLabelText('GPU node'));
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    await screen.findByRole('dialog', { name: 'Signing secret' });
    expect(posted).toMatchObject({ event_types: [], scope: { kind: 'resource_type', ids: ['rt-gpu'], include_subtree: false } });
  });
});

import { screen, within } from '@testing-library/react';
import { fakeSession, renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, server } from '@/testing/server';
import { WebhookDetail } from './webhook-detail';

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
  secrets: [],
  version: 1,
  created_at: '2030-01-01T00:00:00Z',
  updated_at: '2030-01-01T00:00:00Z',
};

describe('webhook delivery log', () => {
  it('redelivers every failed delivery since the chosen time and reports how many', async () => {
    const sent: unknown[] = [];
    server.use(
      http.get(`${API}/sites/site-1/webhooks/wh-1`, () => HttpResponse.json(webhook)),
      http.get(`${API}/sites/site-1/webhooks/wh-1/deliveries`, () =>
        HttpResponse.json({ items: [], meta: { page: 1, size: 20, total: 0, pages: 0 } }),
      ),
      http.post(`${API}/sites/site-1/webhooks/wh-1/deliveries/redeliver-failed`, async ({ request }) => {
        const body = (await request.json()) as { since: string };
        sent.push(body);
        return HttpResponse.json({ redelivered: 3 }, { status: 202 });
      }),
    );
    const { user } = renderWithApp(<WebhookDetail site="site-1" id="wh-1" />, { session: fakeSession({ roles: ['platform-admin'] }) });
    const form = await screen.findByRole('form', { name: 'Redeliver failed' });
    expect(screen.getByTestId('webhook-scope')).toHaveTextContent('The whole site');
    const input = within(form).getByLabelText(/^Failed since/);
    await user.clear(input);
    await user.click(within(form).getByRole('button', { name: 'Redeliver failed' }));
    expect(await within(form).findByText('This field is required.')).toBeInTheDocument();
    expect(sent).toEqual([]);

    await user.type(input, '2025-01-02T08:30');
    await user.click(within(form).getByRole('button', { name: 'Redeliver failed' }));
    expect(await screen.findByText('3 failed deliveries queued again')).toBeInTheDocument();
    expect(sent).toEqual([{ since: new Date('2025-01-02T08:30').toISOString() }]);
  });

  it('describes a scope limited to resources and their subtree', async () => {
    server.use(
      http.get(`${API}/sites/site-1/webhooks/wh-1`, () =>
        HttpResponse.json({ ...webhook, scope: { kind: 'resource', ids: ['r1', 'r2'], include_subtree: true } }),
      ),
      http.get(`${API}/sites/site-1/webhooks/wh-1/deliveries`, () =>
        HttpResponse.json({ items: [], meta: { page: 1, size: 20, total: 0, pages: 0 } }),
      ),
    );
    renderWithApp(<WebhookDetail site="site-1" id="wh-1" />, { session: fakeSession({ roles: ['platform-admin'] }) });
    expect(await screen.findByTestId('webhook-scope')).toHaveTextContent('Some resources (2) — Also the resources inside them');
  });
});

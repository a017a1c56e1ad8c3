import { screen, waitFor, within } from '@testing-library/react';
import { page, resourceFixture } from '@/testing/fixtures';
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

    await user.type(input, '01/02/2025, 08:30');
    await user.click(within(form).getByRole('button', { name: 'Redeliver failed' }));
    expect(await screen.findByText('3 failed deliveries queued again')).toBeInTheDocument();
    expect(sent).toEqual([{ since: new Date('2025-01-02T08:30').toISOString() }]);
  });

  it('names the resources of a scope limited to resources and their subtree', async () => {
    server.use(
      http.get(`${API}/sites/site-1/webhooks/wh-1`, () =>
        HttpResponse.json({ ...webhook, scope: { kind: 'resource', ids: ['r1', 'r2'], include_subtree: true } }),
      ),
      http.get(`${API}/sites/site-1/webhooks/wh-1/deliveries`, () =>
        HttpResponse.json({ items: [], meta: { page: 1, size: 20, total: 0, pages: 0 } }),
      ),
      http.get(`${API}/sites/site-1/resources`, () =>
        HttpResponse.json(page([resourceFixture({ id: 'r1', name: 'sw1' }), resourceFixture({ id: 'r2', name: 'Rack A' })])),
      ),
    );
    renderWithApp(<WebhookDetail site="site-1" id="wh-1" />, { session: fakeSession({ roles: ['platform-admin'] }) });
    const scope = await screen.findByTestId('webhook-scope');
    await waitFor(() => expect(scope).toHaveTextContent('Some resources: sw1, Rack A — Also the resources inside them'));
  });

  it('says which event and booking each delivery carries, and explains the redeliver control', async () => {
    server.use(
      http.get(`${API}/sites/site-1/webhooks/wh-1`, () => HttpResponse.json(webhook)),
      http.get(`${API}/sites/site-1/webhooks/wh-1/deliveries`, () =>
        HttpResponse.json({
          items: [
            {
              id: 'd-1',
              webhook_id: 'wh-1',
              event_id: 'evt_1',
              event_type: 'reservation.created',
              reservation_id: 'rsv-1',
              payload: { id: 'evt_1', type: 'reservation.created', data: { reservation: { title: 'VLAN test' }, resource: { name: 'Gi1/0/2' } } },
              status: 'failed',
              attempts: 3,
              last_status_code: 500,
              last_error: null,
              last_attempt_at: null,
              next_attempt_at: null,
              completed_at: null,
              created_at: '2030-01-01T00:00:00Z',
            },
          ],
          meta: { page: 1, size: 20, total: 1, pages: 1 },
        }),
      ),
    );
    renderWithApp(<WebhookDetail site="site-1" id="wh-1" />, { session: fakeSession({ roles: ['platform-admin'] }) });
    const row = await screen.findByTestId('delivery-row');
    expect(row).toHaveTextContent('Booking created');
    expect(row).toHaveTextContent('“VLAN test” · Gi1/0/2');
    expect(row).toHaveTextContent('Failed');
    const form = screen.getByRole('form', { name: 'Redeliver failed' });
    expect(form).toHaveTextContent('After fixing the receiver, send again every delivery of this webhook that failed since the time below.');
  });
});

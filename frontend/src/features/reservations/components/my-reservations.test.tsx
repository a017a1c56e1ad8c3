import { screen, waitFor, within } from '@testing-library/react';
import type { ReservationRead } from '@/lib/api/types';
import { page, reservationFixture, resourceFixture } from '@/testing/fixtures';
import { renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, problem, server } from '@/testing/server';
import { MyReservations } from './my-reservations';

/** GET /reservations as the server answers it: by status, with the resource when embedded. */
function listed(items: ReservationRead[], request: Request) {
  const query = new URL(request.url).searchParams;
  const statuses = query.getAll('status');
  const embed = query.getAll('embed').includes('resource');
  const resource = { id: 'res-1', name: 'Port Gi1/0/7', location: 'Rack A', type_id: 'type-switch', type_name: 'Switch port', color: '#3366cc' };
  return HttpResponse.json(
    page(items.filter((r) => statuses.length === 0 || statuses.includes(r.status)).map((r) => ({ ...r, resource: embed ? resource : null }))),
  );
}

describe('my reservations', () => {
  it('shows the login line an integration reported with a ready host', async () => {
    const details = { host: 'node1', address: '10.0.1.21', port: 22, user: 'cloud', login: 'ssh cloud@10.0.1.21' };
    server.use(
      http.get(`${API}/reservations`, ({ request }) =>
        listed([reservationFixture({ provisioning: { state: 'ready', message: 'node1 is up', details, updated_at: null } })], request),
      ),
    );
    renderWithApp(<MyReservations />, { route: '/reservations' });
    const row = await screen.findByTestId('reservation-row');
    expect(within(row).getByTestId('login-line')).toHaveTextContent('ssh cloud@10.0.1.21');
    expect(within(row).getByText('Log in with:')).toBeInTheDocument();
  });

  it('lists upcoming bookings with status, provisioning and resource name, and cancels with If-Match', async () => {
    let reservations = [
      reservationFixture({ provisioning: { state: 'ready', message: 'port on VLAN 42', details: {}, updated_at: null } }),
    ];
    const seen: { statuses: string[][]; ifMatch: string | null; body: unknown; resourceReads: number } = {
      statuses: [],
      ifMatch: null,
      body: null,
      resourceReads: 0,
    };
    server.use(
      http.get(`${API}/reservations`, ({ request }) => {
        seen.statuses.push(new URL(request.url).searchParams.getAll('status'));
        return listed(reservations, request);
      }),
      http.get(`${API}/resources/:id`, () => {
        seen.resourceReads += 1;
        return HttpResponse.json(resourceFixture());
      }),
      http.post(`${API}/reservations/rsv-1/cancel`, async ({ request }) => {
        seen.ifMatch = request.headers.get('If-Match');
        seen.body = await request.json();
        reservations = [];
        return HttpResponse.json(reservationFixture({ status: 'cancelled' }));
      }),
    );
    const { user } = renderWithApp(<MyReservations />, { route: '/reservations' });
    const row = await screen.findByTestId('reservation-row');
    expect(seen.statuses).toContainEqual(['pending', 'confirmed']);
    expect(within(row).getByText('VLAN test')).toBeInTheDocument();
    expect(within(row).getByText('Confirmed')).toBeInTheDocument();
    expect(within(row).getByText('Ready')).toBeInTheDocument();
    expect(within(row).getByText('port on VLAN 42')).toBeInTheDocument();
    expect(await within(row).findByRole('link', { name: 'Port Gi1/0/7' })).toHaveAttribute('href', '/resources/res-1');
    // The resource came embedded in the list: no request per row.
    expect(seen.resourceReads).toBe(0);

    await user.click(within(row).getByRole('button', { name: 'Cancel booking' }));
    const dialog = screen.getByRole('dialog', { name: 'Cancel booking' });
    await user.type(within(dialog).getByLabelText(/Reason/), 'plans changed');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel booking' }));
    await waitFor(() => expect(screen.getByText('No reservations here.')).toBeInTheDocument());
    expect(seen.ifMatch).toBe('"3"');
    expect(seen.body).toEqual({ reason: 'plans changed' });
    expect(screen.getByText('Booking cancelled')).toBeInTheDocument();
  });

  it('switches to past bookings and offers no actions there', async () => {
    server.use(
      http.get(`${API}/reservations`, ({ request }) => {
        const statuses = new URL(request.url).searchParams.getAll('status');
        const items = statuses.includes('completed') ? [reservationFixture({ status: 'completed', title: 'Old run' })] : [];
        return HttpResponse.json(page(items));
      }),
    );
    const { user } = renderWithApp(<MyReservations />, { route: '/reservations' });
    expect(await screen.findByText('No reservations here.')).toBeInTheDocument();
    await user.click(screen.getByRole('tab', { name: 'Past' }));
    const row = await screen.findByTestId('reservation-row');
    expect(within(row).getByText('Old run')).toBeInTheDocument();
    expect(within(row).queryByRole('button')).toBeNull();
  });

  it('shows a stale-version refusal as a toast and keeps the list', async () => {
    server.use(
      http.get(`${API}/reservations`, ({ request }) => listed([reservationFixture()], request)),
      http.patch(`${API}/reservations/rsv-1`, () =>
        problem(412, { title: 'The resource has changed', detail: 'If-Match "3" does not match the current ETag "4".' }),
      ),
    );
    const { user } = renderWithApp(<MyReservations />, { route: '/reservations' });
    const select = await screen.findByLabelText(/Extend by/);
    await user.selectOptions(select, '2');
    expect(await screen.findByRole('alert')).toHaveTextContent('If-Match "3" does not match the current ETag "4".');
    expect(screen.getByTestId('reservation-row')).toBeInTheDocument();
  });

  it('opens on the running bookings when there are any, with counts on the tabs', async () => {
    const items = [
      reservationFixture({ id: 'now', title: 'Running now', status: 'active' }),
      reservationFixture({ id: 'later', title: 'Later on', status: 'confirmed' }),
    ];
    server.use(http.get(`${API}/reservations`, ({ request }) => listed(items, request)));
    const { user } = renderWithApp(<MyReservations />, { route: '/reservations' });
    const row = await screen.findByTestId('reservation-row');
    expect(within(row).getByText('Running now')).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'Active 1' })).toHaveAttribute('aria-selected', 'true');
    await user.click(screen.getByRole('tab', { name: 'Upcoming 1' }));
    expect(await screen.findByText('Later on')).toBeInTheDocument();
  });
});

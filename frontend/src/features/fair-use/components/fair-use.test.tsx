import { screen, waitFor, within } from '@testing-library/react';
import { reservationFixture } from '@/testing/fixtures';
import { renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, server } from '@/testing/server';
import { FairUseActions } from './fair-use-actions';
import { MyWaitlist } from './my-waitlist';
import { UsagePanel } from './usage-panel';

const NOW = '2030-01-01T08:00:00Z';

describe('fair use', () => {
  it('shows the usage against each quota that binds the user', async () => {
    server.use(
      http.get(`${API}/me/usage`, () =>
        HttpResponse.json({
          sites: [
            {
              site_id: 'site-1',
              site_slug: 'lab',
              exempt: false,
              quotas: [
                {
                  quota: {
                    id: 'q-1', site_id: 'site-1', resource_type_id: null, user_id: null,
                    max_concurrent: 2, max_booked: 'PT10H', booked_window: 'week', max_future: null,
                    max_resources: null, exempt_site_admins: true, created_at: NOW,
                  },
                  usage: { held_now: 1, resources_now: 3, future: 4, booked: 'PT4H30M' },
                },
                {
                  quota: {
                    id: 'q-2', site_id: 'site-1', resource_type_id: null, user_id: null,
                    group_id: 'g-1', group_scope: 'total', max_concurrent: 4, max_booked: null,
                    booked_window: null, max_future: null, max_resources: null,
                    exempt_site_admins: true, created_at: NOW,
                  },
                  group_name: 'vision lab',
                  usage: { held_now: 3, resources_now: 3, future: 0, booked: null },
                },
              ],
            },
          ],
        }),
      ),
    );
    renderWithApp(<UsagePanel />);
    const panel = await screen.findByTestId('usage-panel');
    expect(within(panel).getByText('Held now: 1 of 2 bookings')).toBeInTheDocument();
    expect(within(panel).getByText('Booked in any week: 4.5 h of 10 h')).toBeInTheDocument();
    expect(within(panel).getByText('group vision lab: Held now: 3 of 4 bookings')).toBeInTheDocument();
  });

  it('releases an active booking and checks in', async () => {
    const calls: string[] = [];
    server.use(
      http.post(`${API}/reservations/rsv-1/release`, () => {
        calls.push('release');
        return HttpResponse.json(reservationFixture({ status: 'completed' }));
      }),
      http.post(`${API}/reservations/rsv-1/check-in`, () => {
        calls.push('check-in');
        return HttpResponse.json(reservationFixture({ status: 'active', checked_in_at: NOW }));
      }),
    );
    const { user } = renderWithApp(<FairUseActions reservation={reservationFixture({ status: 'active' })} />);
    await user.click(screen.getByRole('button', { name: 'Check in' }));
    await user.click(screen.getByRole('button', { name: 'Release now' }));
    expect(calls).toEqual(['check-in']); // asked first
    const dialog = screen.getByRole('dialog', { name: /^Release “.+” now\?$/ });
    await user.click(within(dialog).getByRole('button', { name: 'Release now' }));
    await waitFor(() => expect(calls).toEqual(['check-in', 'release']));
  });

  it('offers no release for a booking not started', () => {
    renderWithApp(<FairUseActions reservation={reservationFixture({ status: 'confirmed', checked_in_at: NOW })} />);
    expect(screen.queryByRole('button', { name: 'Release now' })).not.toBeInTheDocument();
    expect(screen.getByText('Checked in')).toBeInTheDocument();
  });

  it('shows the place in line and confirms a booking made from the waitlist', async () => {
    let confirmed = false;
    const entry = (overrides: Record<string, unknown>) => ({
      id: 'w-1', site_id: 'site-1', resource_id: 'res-1', user_id: 'sub-bob', title: 'GPU night',
      start: '2030-01-02T09:00:00Z', end: '2030-01-02T10:00:00Z', auto_book: true, status: 'waiting',
      position: 2, expires_at: '2030-01-02T09:00:00Z', confirm_by: null, reservation_id: null,
      created_at: NOW, ...overrides,
    });
    server.use(
      http.get(`${API}/me/waitlist`, () =>
        HttpResponse.json([
          entry({}),
          entry({ id: 'w-2', title: 'Switch slot', status: 'booked', position: null, confirm_by: NOW, reservation_id: 'rsv-9' }),
        ]),
      ),
      http.post(`${API}/waitlist/w-2/confirm`, () => {
        confirmed = true;
        return HttpResponse.json(entry({ id: 'w-2', status: 'confirmed', position: null }));
      }),
    );
    const { user } = renderWithApp(<MyWaitlist />);
    const rows = await screen.findAllByTestId('waitlist-row');
    expect(within(rows[0]!).getByText('Position in line: 2')).toBeInTheDocument();
    await user.click(within(rows[1]!).getByRole('button', { name: 'Confirm booking' }));
    await waitFor(() => expect(confirmed).toBe(true));
  });
});

import { screen, waitFor } from '@testing-library/react';
import type { CoUserRead, FreeUnits } from '@/lib/api/types';
import { reservationFixture } from '@/testing/fixtures';
import { renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, server } from '@/testing/server';
import { CoUsersPanel } from './co-users-panel';
import { QuantityField } from './quantity-field';

const DAVE: CoUserRead = {
  user_id: 'sub-dave',
  username: 'dave',
  email: 'dave@example.test',
  role: 'attendee',
  added_by: 'sub-bob',
  created_at: '2029-12-01T00:00:00Z',
};

describe('co-users panel', () => {
  it('lists, adds by username and role, and shows why a person cannot be added', async () => {
    let list: CoUserRead[] = [DAVE];
    const sent: unknown[] = [];
    server.use(
      http.get(`${API}/reservations/rsv-1/co-users`, () => HttpResponse.json(list)),
      http.post(`${API}/reservations/rsv-1/co-users`, async ({ request }) => {
        const body = (await request.json()) as { user: string; role: string };
        sent.push(body);
        if (body.user === 'carol') {
          return HttpResponse.json(
            { type: 'urn:reservation:problem:co-user-not-member', title: 'A co-user must be a member', status: 422,
              detail: "'carol' is not a member of this reservation's site." },
            { status: 422, headers: { 'content-type': 'application/problem+json' } },
          );
        }
        const added = { ...DAVE, user_id: 'sub-erin', username: body.user, role: body.role as CoUserRead['role'] };
        list = [...list, added];
        return HttpResponse.json(added, { status: 201 });
      }),
    );
    const { user } = renderWithApp(<CoUsersPanel reservationId="rsv-1" canManage myId="sub-bob" />);
    expect(await screen.findByText(/dave <dave@example.test> · Attendee/)).toBeInTheDocument();
    await user.type(screen.getByLabelText(/Username or e-mail/), 'carol');
    await user.click(screen.getByRole('button', { name: 'Share' }));
    // Next to the field (and in the app's error toast).
    const said = await screen.findAllByText("'carol' is not a member of this reservation's site.");
    expect(said.some((el) => el.classList.contains('field-error'))).toBe(true);
    await user.clear(screen.getByLabelText(/Username or e-mail/));
    await user.type(screen.getByLabelText(/Username or e-mail/), 'erin');
    await user.selectOptions(screen.getByLabelText('Role'), 'co-manager');
    await user.click(screen.getByRole('button', { name: 'Share' }));
    expect(await screen.findByText(/erin .* · Co-manager/)).toBeInTheDocument();
    expect(sent).toEqual([{ user: 'carol', role: 'attendee' }, { user: 'erin', role: 'co-manager' }]);
  });

  it('lets a co-user leave but not remove others', async () => {
    const removed: string[] = [];
    server.use(
      http.get(`${API}/reservations/rsv-1/co-users`, () =>
        HttpResponse.json([DAVE, { ...DAVE, user_id: 'sub-erin', username: 'erin', email: null }]),
      ),
      http.delete(`${API}/reservations/rsv-1/co-users/:userId`, ({ params }) => {
        removed.push(String(params.userId));
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { user } = renderWithApp(<CoUsersPanel reservationId="rsv-1" canManage={false} myId="sub-dave" />);
    const leave = await screen.findByRole('button', { name: 'Leave' });
    expect(screen.queryByRole('button', { name: 'Remove' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Share' })).toBeNull();
    await user.click(leave);
    await waitFor(() => expect(removed).toEqual(['sub-dave']));
  });
});

describe('quantity field', () => {
  it('shows the free units of the period and warns where there are fewer than asked', async () => {
    const free: FreeUnits = {
      resource_id: 'res-1',
      capacity: 8,
      spans: [
        { start: '2030-01-02T09:00:00Z', end: '2030-01-02T10:00:00Z', free: 5 },
        { start: '2030-01-02T10:00:00Z', end: '2030-01-02T11:00:00Z', free: 2 },
      ],
    };
    server.use(http.get(`${API}/resources/res-1/free-units`, () => HttpResponse.json(free)));
    const reservation = reservationFixture();
    renderWithApp(
      <QuantityField resourceId="res-1" capacity={8} start={reservation.start} end="2030-01-02T11:00:00Z" value={3} onChange={() => {}} />,
    );
    expect(await screen.findByText('At least 2 of 8 units free over this period')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent(/Not enough free units: .*\(2\)/);
  });
});

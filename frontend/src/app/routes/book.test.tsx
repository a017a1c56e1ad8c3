import { screen, waitFor } from '@testing-library/react';
import { useLocation } from 'react-router';
import type { CoUserAdd } from '@/lib/api/types';
import { page, reservationFixture, resourceFixture, siteFixture, typeFixture } from '@/testing/fixtures';
import { renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, problem, server } from '@/testing/server';
import BookRoute from './book';

/** Where the route went, with the state it handed over. */
function Landed() {
  const location = useLocation();
  return <p data-testid="landed">{`${location.pathname}${location.search} ${JSON.stringify(location.state ?? null)}`}</p>;
}

function bookingApi(refuse: Set<string>) {
  const shared: CoUserAdd[] = [];
  const order: string[] = [];
  server.use(
    http.get(`${API}/sites`, () => HttpResponse.json(page([siteFixture()]))),
    http.get(`${API}/sites/site-1`, () => HttpResponse.json(siteFixture())),
    http.get(`${API}/me/usage`, () => HttpResponse.json([])),
    http.get(`${API}/sites/site-1/resources`, () => HttpResponse.json(page([resourceFixture()]))),
    http.get(`${API}/sites/site-1/resource-types`, () =>
      HttpResponse.json(page([typeFixture({ parameters: { type: 'object', properties: {} } })])),
    ),
    http.post(`${API}/reservations`, () => {
      order.push('create');
      return HttpResponse.json(reservationFixture({ start: '2030-03-01T09:00:00Z', end: '2030-03-01T10:00:00Z' }), { status: 201 });
    }),
    http.post(`${API}/reservations/rsv-1/co-users`, async ({ request }) => {
      const body = (await request.json()) as CoUserAdd;
      order.push(`share ${body.user}`);
      if (refuse.has(body.user)) {
        return problem(422, { type: 'urn:reservation:problem:co-user-not-member', detail: `'${body.user}' is not a member of this reservation's site.` });
      }
      shared.push(body);
      return HttpResponse.json(
        { user_id: `sub-${body.user}`, username: body.user, email: null, role: body.role, added_by: 'sub-bob', created_at: '2030-01-01T00:00:00Z' },
        { status: 201 },
      );
    }),
  );
  return { shared, order };
}

const route = '/book?site=site-1&resource=res-1&start=2030-03-01T09:00:00Z&end=2030-03-01T10:00:00Z';
const routes = [
  { path: '/reservations', element: <Landed /> },
  { path: '/reservations/:id', element: <Landed /> },
];

async function addCoUser(user: ReturnType<typeof renderWithApp>['user'], who: string, role?: string) {
  await user.click(screen.getByRole('button', { name: 'Add a co-user' }));
  const inputs = screen.getAllByLabelText(/^Username or e-mail/);
  // The new row's field has the focus.
  expect(inputs.at(-1)).toHaveFocus();
  await user.type(inputs.at(-1)!, who);
  if (role) await user.selectOptions(screen.getAllByLabelText(/^Role/).at(-1)!, role);
}

describe('book route: co-users on the booking form', () => {
  it('books, then shares the new booking with each co-user and their role', async () => {
    const api = bookingApi(new Set());
    const { user } = renderWithApp(<BookRoute />, { path: '/book', route, routes });
    await user.type(await screen.findByLabelText(/^Title/), 'Team session');
    await screen.findByRole('option', { name: /Port Gi1\/0\/7/ });
    await addCoUser(user, 'alice');
    await addCoUser(user, 'dave@example.test', 'co-manager');
    // A blank row is dropped.
    await user.click(screen.getByRole('button', { name: 'Add a co-user' }));
    await user.click(screen.getByRole('button', { name: 'Book' }));
    expect(await screen.findByTestId('landed')).toHaveTextContent('/reservations?tab=upcoming null');
    expect(api.order).toEqual(['create', 'share alice', 'share dave@example.test']);
    expect(api.shared).toEqual([
      { user: 'alice', role: 'attendee' },
      { user: 'dave@example.test', role: 'co-manager' },
    ]);
    expect(await screen.findByText('Booked and shared with alice, dave@example.test')).toBeInTheDocument();
  });

  it('points out the same person twice and sends them once', async () => {
    const api = bookingApi(new Set());
    const { user } = renderWithApp(<BookRoute />, { path: '/book', route, routes });
    await user.type(await screen.findByLabelText(/^Title/), 'Team session');
    await screen.findByRole('option', { name: /Port Gi1\/0\/7/ });
    await addCoUser(user, 'alice');
    await addCoUser(user, 'Alice ');
    expect(screen.getByText('This person is already in the list.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Remove co-user Alice' }));
    expect(screen.queryByText('This person is already in the list.')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Book' }));
    await screen.findByTestId('landed');
    expect(api.shared).toEqual([{ user: 'alice', role: 'attendee' }]);
  });

  it('goes to the new booking saying who it could not be shared with and why', async () => {
    const api = bookingApi(new Set(['carol']));
    const { user } = renderWithApp(<BookRoute />, { path: '/book', route, routes });
    await user.type(await screen.findByLabelText(/^Title/), 'Team session');
    await screen.findByRole('option', { name: /Port Gi1\/0\/7/ });
    await addCoUser(user, 'carol', 'co-manager');
    await addCoUser(user, 'alice');
    await user.click(screen.getByRole('button', { name: 'Book' }));
    const landed = await screen.findByTestId('landed');
    expect(landed).toHaveTextContent('/reservations/rsv-1');
    expect(landed).toHaveTextContent(
      JSON.stringify({ notShared: [{ user: 'carol', role: 'co-manager', message: "'carol' is not a member of this reservation's site." }] }),
    );
    // The others are shared all the same.
    expect(api.shared).toEqual([{ user: 'alice', role: 'attendee' }]);
    expect(screen.getByText('Booked, but not shared with everyone: see below.')).toBeInTheDocument();
  });

  it('offers no co-users for a repeating booking (they are shared one booking at a time)', async () => {
    bookingApi(new Set());
    const { user } = renderWithApp(<BookRoute />, { path: '/book', route, routes });
    await screen.findByRole('button', { name: 'Add a co-user' });
    await user.selectOptions(screen.getByLabelText(/^Repeats/), 'WEEKLY');
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Add a co-user' })).toBeNull());
  });
});

import { screen, waitFor, within } from '@testing-library/react';
import { page, reservationFixture, resourceFixture, siteFixture, typeFixture } from '@/testing/fixtures';
import { renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, problem, server } from '@/testing/server';
import { formatLocalValue } from '@/components/ui/date-time-input';
import { toLocalInput } from '@/lib/datetime';
import { formatRange } from '@/lib/i18n';
import { BookingForm } from './booking-form';

function bookingApi(onPost: (body: Record<string, unknown>, headers: Headers) => Response | Promise<Response>) {
  server.use(
    http.get(`${API}/sites/site-1/resources`, () =>
      HttpResponse.json(
        page([
          resourceFixture({ id: 'rack', name: 'Rack A', type_id: 'type-rack' }),
          resourceFixture({ id: 'res-1', parent_id: 'rack' }),
        ]),
      ),
    ),
    http.get(`${API}/sites/site-1/resource-types`, () =>
      HttpResponse.json(
        page([typeFixture(), typeFixture({ id: 'type-rack', name: 'Rack', parameters: { type: 'object', properties: {} } })]),
      ),
    ),
    http.get(`${API}/sites/site-1`, () => HttpResponse.json(siteFixture())),
    http.post(`${API}/reservations`, async ({ request }) => onPost((await request.json()) as Record<string, unknown>, request.headers)),
  );
}

async function fillForm(user: ReturnType<typeof renderWithApp>['user'], vlan: string) {
  await user.type(screen.getByLabelText(/^Title/), 'Lab session');
  await screen.findByRole('option', { name: /Port Gi1\/0\/7/ });
  await user.selectOptions(screen.getByLabelText(/^Resource/), 'res-1');
  const vlanInput = await screen.findByLabelText(/VLAN id/);
  await user.clear(vlanInput);
  if (vlan) await user.type(vlanInput, vlan);
}

const start = new Date('2030-03-01T09:00:00Z');
const end = new Date('2030-03-01T11:00:00Z');

describe('booking form', () => {
  it('shows the type parameters and refuses an out-of-range VLAN inline without calling the API', async () => {
    const posted = vi.fn(() => HttpResponse.json(reservationFixture(), { status: 201 }));
    bookingApi(posted);
    const { user } = renderWithApp(<BookingForm site="site-1" start={start} end={end} onCreated={() => undefined} />);
    await fillForm(user, '5000');
    await user.click(screen.getByRole('button', { name: 'Book' }));
    expect(await screen.findByText('Must be at most 4094.')).toBeInTheDocument();
    expect(screen.getByLabelText(/VLAN id/)).toHaveAttribute('aria-invalid', 'true');
    expect(posted).not.toHaveBeenCalled();
  });

  it('labels parameters with the schema title and allowed range, and drops an error once the value is fixed', async () => {
    bookingApi(() => HttpResponse.json(reservationFixture(), { status: 201 }));
    const { user } = renderWithApp(<BookingForm site="site-1" start={start} end={end} onCreated={() => undefined} />);
    await fillForm(user, '5000');
    const vlan = screen.getByLabelText(/VLAN id/);
    expect(screen.queryByLabelText(/vlan_id/)).not.toBeInTheDocument();
    expect(screen.getByText('From 2 to 4094.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Book' }));
    expect(await screen.findByText('Must be at most 4094.')).toBeInTheDocument();
    await user.clear(vlan);
    await user.type(vlan, '42');
    expect(screen.queryByText('Must be at most 4094.')).not.toBeInTheDocument();
    expect(vlan).not.toHaveAttribute('aria-invalid');
  });

  it('posts the booking with typed parameters, UTC times and an idempotency key', async () => {
    let body: Record<string, unknown> = {};
    let key = '';
    bookingApi((b, headers) => {
      body = b;
      key = headers.get('Idempotency-Key') ?? '';
      return HttpResponse.json(reservationFixture({ title: 'Lab session' }), { status: 201 });
    });
    const onCreated = vi.fn();
    const { user } = renderWithApp(<BookingForm site="site-1" start={start} end={end} onCreated={onCreated} />);
    await fillForm(user, '42');
    await user.click(screen.getByRole('button', { name: 'Book' }));
    await waitFor(() => expect(onCreated).toHaveBeenCalled());
    expect(body).toMatchObject({
      resource_id: 'res-1',
      title: 'Lab session',
      start: '2030-03-01T09:00:00.000Z',
      end: '2030-03-01T11:00:00.000Z',
      parameters: { vlan_id: 42 },
      owner_id: null,
    });
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('explains a conflict with the other booking’s title, resource and local times, and offers the next free slot', async () => {
    bookingApi(() =>
      problem(409, {
        type: 'urn:reservation:problem:booking-conflict',
        title: 'The period is already booked',
        detail: 'Conflicts with reservation rsv-9 (2030-03-01T08:00:00+00:00 to 2030-03-01T10:00:00+00:00).',
        conflicting_reservation: { id: 'rsv-9', resource_id: 'res-1', start: '2030-03-01T08:00:00Z', end: '2030-03-01T10:00:00Z' },
      }),
    );
    server.use(
      http.get(`${API}/reservations/rsv-9`, () =>
        HttpResponse.json(reservationFixture({ id: 'rsv-9', title: 'Firmware test', owner_id: 'sub-alice', start: '2030-03-01T08:00:00Z', end: '2030-03-01T10:00:00Z' })),
      ),
      http.get(`${API}/resources/res-1/busy`, () =>
        HttpResponse.json([
          { resource_id: 'res-1', start: '2030-03-01T08:00:00Z', end: '2030-03-01T10:00:00Z', reservation_id: 'rsv-9' },
          { resource_id: 'res-1', start: '2030-03-01T11:00:00Z', end: '2030-03-01T12:00:00Z', reservation_id: null },
        ]),
      ),
    );
    const { user } = renderWithApp(<BookingForm site="site-1" start={start} end={end} onCreated={() => undefined} />);
    await fillForm(user, '42');
    await user.click(screen.getByRole('button', { name: 'Book' }));
    const alert = await screen.findByTestId('booking-error');
    expect(within(alert).getByText('The slot is taken')).toBeInTheDocument();
    // Names the booking in the way, not its id; no UTC ISO times.
    expect(await within(alert).findByText('“Firmware test”')).toBeInTheDocument();
    expect(alert.textContent).toContain('on Port Gi1/0/7');
    expect(alert.textContent).not.toContain('rsv-9');
    expect(alert.textContent).not.toMatch(/\d{4}-\d\d-\d\dT/);
    // 09:00-11:00 wanted; 10:00-11:00 is free but too short, so 12:00-14:00 is offered.
    const next = await within(alert).findByText(/^Next free slot:/);
    expect(next.textContent).toBe(`Next free slot: ${formatRange('2030-03-01T12:00:00Z', '2030-03-01T14:00:00Z', 'en')}`);
    await user.click(within(alert).getByRole('button', { name: 'Use this slot' }));
    expect(screen.queryByTestId('booking-error')).not.toBeInTheDocument();
    expect(screen.getByLabelText(/^Start/)).toHaveValue(formatLocalValue(toLocalInput(new Date('2030-03-01T12:00:00Z')), 'en'));
    expect(screen.getByLabelText(/^End/)).toHaveValue(formatLocalValue(toLocalInput(new Date('2030-03-01T14:00:00Z')), 'en'));
  });

  it('puts server field errors on their fields', async () => {
    bookingApi(() =>
      problem(422, {
        type: 'urn:reservation:problem:booking-rule',
        title: 'The booking breaks a rule of the resource type',
        detail: 'Switch port: end the booking may last at most 1 hour.',
        errors: [{ loc: ['body', 'end'], msg: 'the booking may last at most 1 hour', type: 'max_duration' }],
      }),
    );
    const { user } = renderWithApp(<BookingForm site="site-1" start={start} end={end} onCreated={() => undefined} />);
    await fillForm(user, '42');
    await user.click(screen.getByRole('button', { name: 'Book' }));
    expect(await screen.findByText('the booking may last at most 1 hour')).toBeInTheDocument();
    expect(screen.getByLabelText(/^End/)).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText('The booking breaks a rule of this resource type')).toBeInTheDocument();
  });

  it('names the opening hours that refuse a booking, and whose they are', async () => {
    bookingApi(() =>
      problem(422, {
        type: 'urn:reservation:problem:outside-opening-hours',
        title: 'The booking falls outside the opening hours',
        detail: 'Bookable only during the opening hours (Europe/Rome): Fri 2030-03-01: 09:00-12:00.',
        errors: [{ loc: ['body', 'start'], msg: 'outside the opening hours', type: 'opening_hours' }],
        opening_hours: { level: 'resource_type', id: 'oh-1', time_zone: 'Europe/Rome', days: ['Fri 2030-03-01: 09:00-12:00'] },
      }),
    );
    const { user } = renderWithApp(<BookingForm site="site-1" start={start} end={end} onCreated={() => undefined} />);
    await fillForm(user, '42');
    await user.click(screen.getByRole('button', { name: 'Book' }));
    const alert = await screen.findByTestId('booking-error');
    expect(alert).toHaveTextContent('Outside the opening hours');
    expect(alert).toHaveTextContent("Bookable only during the resource type's opening hours (Europe/Rome): Fri 2030-03-01: 09:00-12:00.");
    expect(screen.getByLabelText(/^Start/)).toHaveAttribute('aria-invalid', 'true');
    // Only a site admin may book outside them.
    expect(screen.queryByLabelText(/Book outside the opening hours anyway/)).toBeNull();
  });

  it('lets a site admin book outside the opening hours, saying so in the request', async () => {
    const bodies: Record<string, unknown>[] = [];
    bookingApi((body) => {
      bodies.push(body);
      return bodies.length === 1
        ? problem(422, {
            type: 'urn:reservation:problem:outside-opening-hours',
            opening_hours: { level: 'site', time_zone: 'Europe/Rome', days: ['Fri 2030-03-01: closed (Holiday)'] },
          })
        : HttpResponse.json(reservationFixture(), { status: 201 });
    });
    server.use(
      http.get(`${API}/sites/site-1`, () => HttpResponse.json(siteFixture({ my_role: 'site-admin' }))),
      http.get(`${API}/sites/site-1/members`, () => HttpResponse.json(page([]))),
    );
    const created = vi.fn();
    const { user } = renderWithApp(<BookingForm site="site-1" start={start} end={end} onCreated={created} />);
    await fillForm(user, '42');
    await user.click(screen.getByRole('button', { name: 'Book' }));
    expect(await screen.findByTestId('booking-error')).toHaveTextContent("the site's opening hours (Europe/Rome): Fri 2030-03-01: closed (Holiday)");
    await user.click(screen.getByLabelText(/Book outside the opening hours anyway/));
    await user.click(screen.getByRole('button', { name: 'Book' }));
    await waitFor(() => expect(created).toHaveBeenCalled());
    expect(bodies[0]).not.toHaveProperty('override_opening_hours');
    expect(bodies[1]).toMatchObject({ override_opening_hours: true });
  });

  it('lists children under their parent and warns that booking a parent books its subtree', async () => {
    bookingApi(() => HttpResponse.json({}));
    const { user } = renderWithApp(<BookingForm site="site-1" onCreated={() => undefined} />);
    await screen.findByRole('option', { name: 'Rack A' });
    const options = within(screen.getByLabelText(/^Resource/)).getAllByRole('option');
    expect(options.map((o) => o.textContent?.trim())).toEqual(['Choose a resource', 'Rack A', '└ Port Gi1/0/7']);
    await user.selectOptions(screen.getByLabelText(/^Resource/), 'rack');
    expect(screen.getByText('Booking Rack A also books everything inside it.')).toBeInTheDocument();
  });
});

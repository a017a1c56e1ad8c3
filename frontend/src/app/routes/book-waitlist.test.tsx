import { screen, within } from '@testing-library/react';
import { page, reservationFixture, resourceFixture, siteFixture, typeFixture } from '@/testing/fixtures';
import { renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, problem, server } from '@/testing/server';
import BookRoute from './book';

const route = '/book?site=site-1&resource=pool-1&start=2030-03-01T09:00:00Z&end=2030-03-01T10:00:00Z';

/** The platform's answers for a pool of 4 whose booking is refused with `refusal`; the
 * waitlist requests land in `waited`. */
function servePool(refusal: Response, waited: Record<string, unknown>[]): void {
  server.use(
    http.get(`${API}/sites`, () => HttpResponse.json(page([siteFixture()]))),
    http.get(`${API}/sites/site-1`, () => HttpResponse.json(siteFixture())),
    http.get(`${API}/me/usage`, () => HttpResponse.json([])),
    http.get(`${API}/sites/site-1/resources`, () =>
      HttpResponse.json(page([resourceFixture({ id: 'pool-1', name: 'GPU pool', capacity: 4 })])),
    ),
    http.get(`${API}/sites/site-1/resource-types`, () =>
      HttpResponse.json(page([typeFixture({ parameters: { type: 'object', properties: {} } })])),
    ),
    http.get(`${API}/resources/pool-1/free-units`, () =>
      HttpResponse.json({ resource_id: 'pool-1', capacity: 4, spans: [{ start: '2030-03-01T09:00:00Z', end: '2030-03-01T10:00:00Z', free: 1 }] }),
    ),
    http.get(`${API}/resources/pool-1/busy`, () => HttpResponse.json([])),
    http.get(`${API}/reservations/rsv-9`, () => HttpResponse.json(reservationFixture({ id: 'rsv-9', title: 'Training' }))),
    http.post(`${API}/reservations`, () => refusal),
    http.post(`${API}/resources/pool-1/waitlist`, async ({ request }) => {
      const body = (await request.json()) as Record<string, unknown>;
      waited.push(body);
      return HttpResponse.json(
        {
          id: 'w-1', site_id: 'site-1', resource_id: 'pool-1', user_id: 'sub-bob', title: body.title,
          start: body.start, end: body.end, auto_book: true, status: 'waiting', position: 1,
          expires_at: body.start, confirm_by: null, reservation_id: null, created_at: '2030-01-01T00:00:00Z', quantity: body.quantity,
        },
        { status: 201 },
      );
    }),
    http.get(`${API}/me/waitlist`, () => HttpResponse.json([])),
  );
}

/** Books 3 units of the pool, which the platform refuses with `refusal`. */
async function bookThreeUnits(refusal: Response) {
  const waited: Record<string, unknown>[] = [];
  servePool(refusal, waited);
  const { user } = renderWithApp(<BookRoute />, { path: '/book', route });
  await user.type(await screen.findByLabelText(/^Title/), 'Fine-tuning');
  const quantity = await screen.findByLabelText(/^Quantity/);
  // The field keeps a value of 1 to the capacity: replace the 1 it shows.
  await user.type(quantity, '3', { initialSelectionStart: 0, initialSelectionEnd: 1 });
  expect(quantity).toHaveValue(3);
  await user.click(screen.getByRole('button', { name: 'Book' }));
  return { user, waited };
}

/** The offer to wait starts at the 3 units asked for, at most the pool's 4, and joins the line. */
async function waitsForThreeUnits({ user, waited }: Awaited<ReturnType<typeof bookThreeUnits>>) {
  const offer = await screen.findByTestId('waitlist-offer');
  const units = within(offer).getByLabelText(/Units to wait for/);
  expect(units).toHaveValue(3);
  expect(units).toHaveAttribute('max', '4');
  await user.click(within(offer).getByRole('button', { name: 'Wait for this period' }));
  expect(await screen.findByTestId('waitlist-joined')).toHaveTextContent('3 units');
  expect(waited).toEqual([
    { title: 'Fine-tuning', start: '2030-03-01T09:00:00.000Z', end: '2030-03-01T10:00:00.000Z', auto_book: true, quantity: 3 },
  ]);
}

describe('book route: waiting for units of a pool whose period is taken', () => {
  it('offers to wait for the units the booking asked for, at most the pool’s capacity', async () => {
    const booked = await bookThreeUnits(
      problem(409, {
        type: 'urn:reservation:problem:booking-conflict',
        title: 'The period is already booked',
        detail: 'Not enough free units.',
        conflicting_reservation: { id: 'rsv-9', resource_id: 'pool-1', start: '2030-03-01T08:00:00Z', end: '2030-03-01T10:00:00Z' },
      }),
    );
    await waitsForThreeUnits(booked);
  });
  it('offers to wait when the pool is refused for too few free units, saying how many are free', async () => {
    const booked = await bookThreeUnits(
      problem(409, {
        type: 'urn:reservation:problem:capacity-exceeded',
        title: 'Not enough units of the resource are free',
        detail: '3 of 4 units asked for, only 1 free from 2030-03-01T09:00:00Z to 2030-03-01T10:00:00Z.',
        capacity: 4,
        quantity: 3,
        free: 1,
        free_start: '2030-03-01T09:00:00Z',
        free_end: '2030-03-01T10:00:00Z',
      }),
    );
    const alert = await screen.findByTestId('booking-error');
    expect(alert).toHaveTextContent('Not enough units are free');
    expect(alert).toHaveTextContent(/3 units asked for; at the busiest \(.+\) only 1 are free\./);
    await waitsForThreeUnits(booked);
  });
});

import { fireEvent, screen, waitFor } from '@testing-library/react';
import { page, reservationFixture, resourceFixture, typeFixture } from '@/testing/fixtures';
import { renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, problem, server } from '@/testing/server';
import { Calendar } from './calendar';

const monday = new Date(2030, 0, 14);
const at = (day: number, hour: number) => new Date(2030, 0, day, hour).toISOString();

function calendarApi(onPatch?: (body: unknown, ifMatch: string | null) => Response) {
  const queries: URLSearchParams[] = [];
  server.use(
    http.get(`${API}/sites/site-1/resources`, () => HttpResponse.json(page([resourceFixture()]))),
    http.get(`${API}/sites/site-1/resource-types`, () => HttpResponse.json(page([typeFixture()]))),
    http.get(`${API}/sites/site-1/blackouts`, () => HttpResponse.json([])),
    http.get(`${API}/reservations`, ({ request }) => {
      queries.push(new URL(request.url).searchParams);
      return HttpResponse.json(
        page([
          reservationFixture({ id: 'mine', title: 'My slot', start: at(15, 9), end: at(15, 10) }),
          reservationFixture({ id: 'theirs', title: 'Their slot', owner_id: 'sub-alice', start: at(16, 13), end: at(16, 15) }),
        ]),
      );
    }),
    http.patch(`${API}/reservations/mine`, async ({ request }) =>
      onPatch ? onPatch(await request.json(), request.headers.get('If-Match')) : HttpResponse.json({}),
    ),
  );
  return queries;
}

const route = `/calendar?view=week&date=${monday.toISOString().slice(0, 10)}`;

describe('calendar', () => {
  it('loads only the visible week and draws the bookings in it', async () => {
    const queries = calendarApi();
    renderWithApp(<Calendar site="site-1" onSelectSlot={() => undefined} />, { route });
    expect(await screen.findByText('My slot')).toBeInTheDocument();
    expect(screen.getByText('Their slot')).toBeInTheDocument();
    const last = queries.at(-1)!;
    expect(last.get('site')).toBe('site-1');
    expect(last.get('start')).toBe(new Date(2030, 0, 14).toISOString());
    expect(last.get('end')).toBe(new Date(2030, 0, 21).toISOString());
    // Only one's own bookings can be moved.
    expect(screen.getByText('My slot').closest('[role="button"]')).not.toBeNull();
    expect(screen.getByText('Their slot').closest('[role="button"]')).toBeNull();
  });

  it('offers a free slot for booking', async () => {
    calendarApi();
    const onSelectSlot = vi.fn();
    const { user } = renderWithApp(<Calendar site="site-1" onSelectSlot={onSelectSlot} />, { route });
    await screen.findByText('My slot');
    const slot = document.querySelector<HTMLButtonElement>('button.cal-slot[aria-label^="Jan 14, 2030, 10:00"]');
    await user.click(slot!);
    expect(onSelectSlot).toHaveBeenCalledWith({ resourceId: undefined, start: new Date(2030, 0, 14, 10), end: new Date(2030, 0, 14, 11) });
  });

  it('moves an own booking with the keyboard and shows the server refusal on conflict', async () => {
    let sent: { body: unknown; ifMatch: string | null } | null = null;
    calendarApi((body, ifMatch) => {
      sent = { body, ifMatch };
      return problem(409, { title: 'The period is already booked', detail: 'Conflicts with reservation theirs.' });
    });
    renderWithApp(<Calendar site="site-1" onSelectSlot={() => undefined} />, { route });
    const event = (await screen.findByText('My slot')).closest<HTMLElement>('[role="button"]')!;
    fireEvent.keyDown(event, { key: 'ArrowDown' });
    await waitFor(() => expect(sent).not.toBeNull());
    expect(sent!).toEqual({
      body: { start: new Date(2030, 0, 15, 9, 15).toISOString(), end: new Date(2030, 0, 15, 10, 15).toISOString() },
      ifMatch: '"3"',
    });
    expect(await screen.findByRole('alert')).toHaveTextContent('The move was refused: Conflicts with reservation theirs.');
  });

  it('resizes by dragging the bottom edge', async () => {
    let body: unknown = null;
    calendarApi((b) => {
      body = b;
      return HttpResponse.json(reservationFixture({ id: 'mine' }));
    });
    renderWithApp(<Calendar site="site-1" onSelectSlot={() => undefined} />, { route });
    const event = (await screen.findByText('My slot')).closest<HTMLElement>('[role="button"]')!;
    const handle = event.querySelector('.resize')!;
    fireEvent.pointerDown(handle, { button: 0, clientY: 100, pointerId: 1 });
    fireEvent.pointerMove(event, { clientY: 140, pointerId: 1 });
    fireEvent.pointerUp(event, { clientY: 140, pointerId: 1 });
    await waitFor(() => expect(body).toEqual({ start: at(15, 9), end: at(15, 11) }));
    expect(await screen.findByText('Booking moved')).toBeInTheDocument();
  });

  it('loads every page of a busy range, not only the first 100 bookings', async () => {
    const pages: string[] = [];
    server.use(
      http.get(`${API}/sites/site-1/resources`, () => HttpResponse.json(page([resourceFixture()]))),
      http.get(`${API}/sites/site-1/resource-types`, () => HttpResponse.json(page([typeFixture()]))),
      http.get(`${API}/sites/site-1/blackouts`, () => HttpResponse.json([])),
      http.get(`${API}/reservations`, ({ request }) => {
        const n = Number(new URL(request.url).searchParams.get('page') ?? '1');
        pages.push(String(n));
        const item = reservationFixture({ id: `r-${n}`, title: `Booking on page ${n}`, start: at(14 + n, 9), end: at(14 + n, 10) });
        return HttpResponse.json({ items: [item], meta: { page: n, size: 100, total: 201, pages: 3 } });
      }),
    );
    renderWithApp(<Calendar site="site-1" onSelectSlot={() => undefined} />, { route });
    expect(await screen.findByText('Booking on page 3')).toBeInTheDocument();
    expect(screen.getByText('Booking on page 1')).toBeInTheDocument();
    expect(screen.getByText('Booking on page 2')).toBeInTheDocument();
    expect(pages.sort()).toEqual(['1', '2', '3']);
  });

  it('marks today, draws the current-time line and opens on working hours', async () => {
    calendarApi();
    renderWithApp(<Calendar site="site-1" onSelectSlot={() => undefined} />, { route: '/calendar?view=week' });
    const today = new Intl.DateTimeFormat('en', { weekday: 'short', day: 'numeric', month: 'short' }).format(new Date());
    const head = await screen.findByText(today);
    expect(head).toHaveAttribute('aria-current', 'date');
    const line = screen.getByTestId('now-line');
    const now = new Date();
    expect(parseFloat(line.style.top)).toBeCloseTo((now.getHours() + now.getMinutes() / 60) * 40, -1);
    expect(screen.getByTestId('time-grid').scrollTop).toBe(7 * 40);
  });

  it('draws overlapping bookings (of a pool) side by side with their units', async () => {
    server.use(
      http.get(`${API}/sites/site-1/resources`, () => HttpResponse.json(page([resourceFixture({ capacity: 4 })]))),
      http.get(`${API}/sites/site-1/resource-types`, () => HttpResponse.json(page([typeFixture()]))),
      http.get(`${API}/sites/site-1/blackouts`, () => HttpResponse.json([])),
      http.get(`${API}/reservations`, () =>
        HttpResponse.json(
          page([
            reservationFixture({ id: 'a', title: 'Pool A', quantity: 3, start: at(15, 9), end: at(15, 12) }),
            reservationFixture({ id: 'b', title: 'Pool B', owner_id: 'sub-alice', start: at(15, 10), end: at(15, 11) }),
            reservationFixture({ id: 'c', title: 'Later', start: at(15, 14), end: at(15, 15) }),
          ]),
        ),
      ),
    );
    renderWithApp(<Calendar site="site-1" onSelectSlot={() => undefined} />, { route });
    const block = (title: string) => screen.getByText(title).closest<HTMLElement>('[data-testid="calendar-event"]')!;
    await screen.findByText('Pool A');
    expect(block('Pool A').style.width).toContain('/ 2');
    expect(block('Pool A').style.left).toContain('* 0 +');
    expect(block('Pool B').style.left).toContain('* 0.5 +');
    // Alone, a booking has the whole width.
    expect(block('Later').style.width).toBe('');
    expect(block('Pool A')).toHaveTextContent('3 units');
    // Named by what it shows first (axe: the label contains the visible text), then the rest.
    expect(block('Pool A')).toHaveAccessibleName(/^Pool A \S.* · 3 units — .+ — Confirmed$/);
  });

  it('gives overlapping bookings of a timeline lane a row each', async () => {
    server.use(
      http.get(`${API}/sites/site-1/resources`, () => HttpResponse.json(page([resourceFixture({ capacity: 4 })]))),
      http.get(`${API}/sites/site-1/resource-types`, () => HttpResponse.json(page([typeFixture()]))),
      http.get(`${API}/sites/site-1/blackouts`, () => HttpResponse.json([])),
      http.get(`${API}/reservations`, () =>
        HttpResponse.json(
          page([
            reservationFixture({ id: 'a', title: 'Pool A', quantity: 3, start: at(15, 9), end: at(15, 12) }),
            reservationFixture({ id: 'b', title: 'Pool B', start: at(15, 10), end: at(15, 11) }),
          ]),
        ),
      ),
    );
    renderWithApp(<Calendar site="site-1" onSelectSlot={() => undefined} />, { route: '/calendar?view=timeline&date=2030-01-15' });
    const a = await screen.findByText(/^Pool A/);
    const b = screen.getByText(/^Pool B/);
    expect(a).toHaveTextContent('Pool A · 3 units');
    expect([a.style.top, b.style.top].sort()).toEqual(['33px', '5px']);
    expect((a.closest('.timeline-lane') as HTMLElement).style.height).toBe('64px');
  });
});

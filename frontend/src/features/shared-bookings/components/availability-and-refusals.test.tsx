import { act, screen, waitFor, within } from '@testing-library/react';
import type { EffectiveOpeningHours, FreeUnits } from '@/lib/api/types';
import { reservationFixture, siteFixture } from '@/testing/fixtures';
import { renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, server } from '@/testing/server';
import { AvailabilityBands, AvailabilityLegend, closedSpans } from './calendar-availability';
import { ReservationPage } from './reservation-page';

const local = (day: number, hour: number) => new Date(2030, 0, day, hour);
const iso = (day: number, hour: number) => local(day, hour).toISOString();

describe('closedSpans', () => {
  it('is what the open spans leave of the day', () => {
    const open = [
      { start: iso(14, 9), end: iso(14, 12) },
      { start: iso(14, 13), end: iso(14, 17) },
    ];
    expect(closedSpans(open, local(14, 0), local(15, 0))).toEqual([
      { start: local(14, 0), end: local(14, 9) },
      { start: local(14, 12), end: local(14, 13) },
      { start: local(14, 17), end: local(15, 0) },
    ]);
  });

  it('closes the whole day without open spans and nothing when open all day', () => {
    expect(closedSpans([], local(14, 0), local(15, 0))).toEqual([{ start: local(14, 0), end: local(15, 0) }]);
    expect(closedSpans([{ start: iso(13, 20), end: iso(16, 0) }], local(14, 0), local(15, 0))).toEqual([]);
  });
});

const HOURS: EffectiveOpeningHours = {
  resource_id: 'res-1',
  time_zone: 'Europe/Rome',
  level: 'resource',
  weekly: [{ weekday: 0, opens: '09:00', closes: '17:00' }],
  exceptions: [],
  open: [{ start: iso(14, 9), end: iso(14, 17) }],
};
const POOL: FreeUnits = {
  resource_id: 'res-1',
  capacity: 4,
  spans: [
    { start: iso(14, 0), end: iso(14, 10), free: 4 },
    { start: iso(14, 10), end: iso(14, 12), free: 1 },
    { start: iso(14, 12), end: iso(21, 0), free: 4 },
  ],
};

function availabilityApi(hours: EffectiveOpeningHours, free: FreeUnits) {
  const asked: string[] = [];
  server.use(
    http.get(`${API}/resources/res-1/opening-hours`, ({ request }) => {
      asked.push(`hours ${new URL(request.url).search}`);
      return HttpResponse.json(hours);
    }),
    http.get(`${API}/resources/res-1/free-units`, ({ request }) => {
      asked.push(`free ${new URL(request.url).search}`);
      return HttpResponse.json(free);
    }),
  );
  return asked;
}

const shown = {
  site: 'site-1',
  start: local(14, 0),
  end: local(21, 0),
  resourceId: 'res-1',
  resourceName: () => 'GPU pool',
};
// One pixel a minute, as the time grid's box() does it (from the day's midnight).
const box = (from: Date, to: Date) => ({ top: (from.getTime() - local(14, 0).getTime()) / 60_000, height: (to.getTime() - from.getTime()) / 60_000 });

describe('calendar availability', () => {
  it('greys the closed hours of the chosen resource and draws its free units over time', async () => {
    const asked = availabilityApi(HOURS, POOL);
    renderWithApp(
      <div className="cal-col">
        <AvailabilityBands {...shown} day={local(14, 0)} box={box} />
      </div>,
    );
    const strip = await screen.findByTestId('free-units');
    const free = within(strip).getAllByRole('img');
    expect(free.map((el) => el.getAttribute('data-free'))).toEqual(['4', '1', '4']);
    expect(free[1]).toHaveAccessibleName(/^1 of 4 free: /);
    expect(free[1]).toHaveStyle({ top: '600px', height: '120px' });
    const closed = await screen.findAllByTestId('closed-band');
    // 00:00-09:00 and 17:00-24:00 of the Monday.
    expect(closed.map((el) => [el.style.top, el.style.height])).toEqual([
      ['0px', '540px'],
      ['1020px', '420px'],
    ]);
    expect(closed[0]).toHaveTextContent(/^Closed: /);
    // The whole visible week, once each.
    expect(asked).toEqual([
      `hours ?start=${encodeURIComponent(shown.start.toISOString())}&end=${encodeURIComponent(shown.end.toISOString())}`,
      `free ?start=${encodeURIComponent(shown.start.toISOString())}&end=${encodeURIComponent(shown.end.toISOString())}`,
    ]);
  });

  it('says whose opening hours grey the calendar and how big the pool is', async () => {
    availabilityApi(HOURS, POOL);
    renderWithApp(<AvailabilityLegend {...shown} />);
    const legend = await screen.findByTestId('availability-legend');
    expect(legend).toHaveTextContent("Grey hours: GPU pool is closed (the resource's opening hours, Europe/Rome).");
    expect(legend).toHaveTextContent('GPU pool lends 4 units');
  });

  it('draws nothing for a resource without opening hours or pool, and asks for a resource when none is chosen', async () => {
    const asked = availabilityApi({ ...HOURS, level: null, weekly: [], open: [{ start: iso(14, 0), end: iso(21, 0) }] }, { ...POOL, capacity: 1, spans: [] });
    const { unmount } = renderWithApp(<AvailabilityBands {...shown} day={local(14, 0)} box={box} />);
    await waitFor(() => expect(asked).toHaveLength(2));
    expect(screen.queryByTestId('closed-band')).toBeNull();
    expect(screen.queryByTestId('free-units')).toBeNull();
    unmount();
    renderWithApp(<AvailabilityLegend {...shown} resourceId={undefined} />);
    expect(screen.getByText(/Choose a resource to grey out its closed hours/)).toBeInTheDocument();
    expect(asked).toHaveLength(2);
  });
});

describe('reservation page after the booking form', () => {
  it('names who the new booking could not be shared with and puts the first back in the field with the reason', async () => {
    server.use(
      http.get(`${API}/reservations/rsv-1`, () => HttpResponse.json(reservationFixture({ title: 'Team session' }))),
      http.get(`${API}/reservations/rsv-1/co-users`, () => HttpResponse.json([])),
      http.get(`${API}/sites/site-1`, () => HttpResponse.json(siteFixture())),
    );
    const { router } = renderWithApp(<ReservationPage reservationId="rsv-1" />);
    await act(() =>
      router.navigate('/', {
        state: { notShared: [{ user: 'carol', role: 'co-manager', message: "'carol' is not a member of this reservation's site." }] },
      }),
    );
    const alert = await screen.findByTestId('not-shared');
    expect(alert).toHaveTextContent("carol — 'carol' is not a member of this reservation's site.");
    const who = screen.getByLabelText(/^Username or e-mail/);
    expect(who).toHaveValue('carol');
    expect(who).toHaveAttribute('aria-invalid', 'true');
    expect(who).toHaveAccessibleDescription(/is not a member of this reservation's site/);
    expect(screen.getByLabelText('Role')).toHaveValue('co-manager');
  });
});

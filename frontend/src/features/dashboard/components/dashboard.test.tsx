import { screen, within } from '@testing-library/react';
import { page, resourceFixture } from '@/testing/fixtures';
import { renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, server } from '@/testing/server';
import { Dashboard } from './dashboard';

function stats(utilisation: number, activeNow: number) {
  return {
    start: '2030-01-01T00:00:00Z',
    end: '2030-01-31T00:00:00Z',
    timezone: 'UTC',
    resources: 2,
    booked_seconds: 36_000,
    utilisation,
    active_now: activeNow,
    busy_now: activeNow,
    per_resource: [
      { resource_id: 'res-1', name: 'server-01', booked_seconds: 30_000, utilisation: 0.5 },
      { resource_id: 'res-2', name: 'server-02', booked_seconds: 6_000, utilisation: 0.1 },
    ],
    days: [
      { date: '2030-01-01', start: '2030-01-01T00:00:00Z', end: '2030-01-02T00:00:00Z', booked_seconds: 7_200, reservations: 1, utilisation: 0.04 },
      { date: '2030-01-02', start: '2030-01-02T00:00:00Z', end: '2030-01-03T00:00:00Z', booked_seconds: 0, reservations: 0, utilisation: 0 },
    ],
  };
}

describe('dashboard', () => {
  // jsdom draws nothing: the chart's canvas gets no context (the summaries are what is tested).
  beforeAll(() => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
  });

  it('shows the server’s utilisation, the bookings running now and charts with readable summaries', async () => {
    const asked: URLSearchParams[] = [];
    server.use(
      http.get(`${API}/sites/site-1/resources`, () => HttpResponse.json(page([resourceFixture()]))),
      http.get(`${API}/reservations`, () => HttpResponse.json(page([]))),
      http.get(`${API}/sites/site-1/stats`, ({ request }) => {
        asked.push(new URL(request.url).searchParams);
        return HttpResponse.json(stats(0.3, 1));
      }),
    );
    renderWithApp(<Dashboard site="site-1" isAdmin={false} />);
    const summary = await screen.findByTestId('utilisation-summary');
    expect(summary).toHaveTextContent('30% of the site’s capacity held by bookings');
    expect(within(summary).getByText('1 booking running now')).toBeInTheDocument();
    const charts = await screen.findAllByRole('img');
    expect(charts.map((c) => c.getAttribute('aria-label'))).toEqual([
      'server-01: 50%; server-02: 10%',
      expect.stringMatching(/^.+: 2 hr; .+: 0 hr$/),
    ]);
    // Utilisation runs up to now, so the running booking counts; the time zone cuts the days.
    expect(asked.every((q) => q.get('tz'))).toBe(true);
    expect(Math.abs(new Date(asked[0]!.get('end')!).getTime() - Date.now())).toBeLessThan(60_000);
    expect(screen.getByText('You have no upcoming bookings.')).toBeInTheDocument();
  });
});

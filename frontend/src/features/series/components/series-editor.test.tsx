import { screen, waitFor, within } from '@testing-library/react';
import type { SeriesRead } from '@/lib/api/types';
import { reservationFixture } from '@/testing/fixtures';
import { renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, server } from '@/testing/server';
import { SeriesEditor } from './series-editor';

function seriesFixture(overrides: Partial<SeriesRead> = {}): SeriesRead {
  const occurrences = [0, 1, 2].map((week) =>
    reservationFixture({
      id: `rsv-${week}`,
      series_id: 'ser-1',
      title: 'Lab session',
      start: `2030-01-${String(2 + 7 * week).padStart(2, '0')}T09:00:00Z`,
      end: `2030-01-${String(2 + 7 * week).padStart(2, '0')}T11:00:00Z`,
    }),
  );
  return {
    id: 'ser-1',
    site_id: 'site-1',
    resource_id: 'res-1',
    owner_id: 'sub-bob',
    created_by: 'sub-bob',
    title: 'Lab session',
    description: '',
    rrule: 'FREQ=WEEKLY;COUNT=3',
    time_zone: 'Europe/Rome',
    conflict_mode: 'all-or-nothing',
    status: 'active',
    parameters: {},
    duration: 'PT2H',
    version: 4,
    created_at: '2029-12-01T00:00:00Z',
    updated_at: '2029-12-01T00:00:00Z',
    occurrences,
    skipped: [],
    ...overrides,
  } as SeriesRead;
}

describe('series editor', () => {
  it('changes this and the following occurrences with the series ETag', async () => {
    const seen: { ifMatch: string | null; body: unknown } = { ifMatch: null, body: null };
    server.use(
      http.get(`${API}/reservation-series/ser-1`, () => HttpResponse.json(seriesFixture())),
      http.patch(`${API}/reservation-series/ser-1`, async ({ request }) => {
        seen.ifMatch = request.headers.get('If-Match');
        seen.body = await request.json();
        return HttpResponse.json(seriesFixture({ version: 5 }));
      }),
    );
    const { user } = renderWithApp(<SeriesEditor seriesId="ser-1" />);
    expect(await screen.findAllByTestId('series-occurrence')).toHaveLength(3);
    // The rule in words (the weekday of the first occurrence in the site's zone), not FREQ=...
    expect(screen.getByTestId('series-summary')).toHaveTextContent('Every week on Wednesday, 3 times; times in Europe/Rome.');
    await user.selectOptions(screen.getByLabelText('Apply to'), 'following');
    const occurrence = screen.getByLabelText('Occurrence');
    await user.selectOptions(occurrence, within(occurrence).getAllByRole('option')[1]!);
    await user.type(screen.getByLabelText(/New start time/), '14:30');
    await user.type(screen.getByLabelText('New length in minutes'), '90');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(seen.ifMatch).toBe('"4"'));
    expect(seen.body).toEqual({ scope: 'following', occurrence_id: 'rsv-1', start_time: '14:30:00', duration: 'PT90M' });
    expect(await screen.findByText('Series changed')).toBeInTheDocument();
  });

  it('lists every refused occurrence with its reason, and says when the series changed meanwhile', async () => {
    let answer = 409;
    server.use(
      http.get(`${API}/reservation-series/ser-1`, () => HttpResponse.json(seriesFixture())),
      http.patch(`${API}/reservation-series/ser-1`, () =>
        answer === 409
          ? HttpResponse.json(
              {
                type: 'urn:reservation:problem:series-conflict',
                title: 'Occurrences of the series are already booked',
                status: 409,
                detail: '2 of 3 occurrences conflict; nothing changed.',
                conflicts: [
                  { start: '2030-01-09T09:00:00Z', end: '2030-01-09T15:00:00Z', reason: 'booking-conflict', detail: 'taken by 5a1d6c39-0000', conflicting_reservation_id: 'x' },
                  { start: '2030-01-16T09:00:00Z', end: '2030-01-16T15:00:00Z', reason: 'quota-exceeded', detail: 'max_booked: 12 h', conflicting_reservation_id: null },
                ],
              },
              { status: 409, headers: { 'Content-Type': 'application/problem+json' } },
            )
          : HttpResponse.json(
              { type: 'urn:reservation:problem:precondition-failed', title: 'Precondition failed', status: 412 },
              { status: 412, headers: { 'Content-Type': 'application/problem+json' } },
            ),
      ),
    );
    const { user } = renderWithApp(<SeriesEditor seriesId="ser-1" />);
    await user.type(await screen.findByLabelText('New length in minutes'), '360');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    const refusal = await screen.findByTestId('series-refusal');
    expect(refusal).toHaveTextContent('Nothing changed: 2 occurrences are refused');
    const rows = within(refusal).getAllByTestId('series-refused-occurrence');
    expect(rows[0]).toHaveTextContent('already booked');
    expect(rows[0]).not.toHaveTextContent('5a1d6c39'); // the server's detail names the other booking by id
    expect(rows[1]).toHaveTextContent('over a fair-use quota');
    expect(rows[1]).toHaveTextContent('max_booked: 12 h');

    answer = 412;
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText(/Someone changed this series meanwhile/)).toBeInTheDocument();
  });

  it('cancels the whole series', async () => {
    const seen: { body: unknown } = { body: null };
    server.use(
      http.get(`${API}/reservation-series/ser-1`, () => HttpResponse.json(seriesFixture())),
      http.post(`${API}/reservation-series/ser-1/cancel`, async ({ request }) => {
        seen.body = await request.json();
        return HttpResponse.json(seriesFixture({ status: 'cancelled', version: 5 }));
      }),
    );
    const { user } = renderWithApp(<SeriesEditor seriesId="ser-1" />);
    await user.click(await screen.findByRole('button', { name: 'Cancel the whole series' }));
    expect(seen.body).toBeNull(); // asked first
    const dialog = screen.getByRole('dialog', { name: 'Cancel occurrences of “Lab session”?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel the whole series' }));
    await waitFor(() => expect(seen.body).toEqual({ scope: 'all', occurrence_id: null }));
    expect(await screen.findByText('Nothing in this series can be changed any more.')).toBeInTheDocument();
  });
});

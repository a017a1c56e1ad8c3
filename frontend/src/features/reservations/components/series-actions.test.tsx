import { screen, waitFor, within } from '@testing-library/react';
import { reservationFixture } from '@/testing/fixtures';
import { renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, server } from '@/testing/server';
import { SeriesActions } from './series-actions';

describe('series actions', () => {
  it('cancels this and the following occurrences with the series ETag', async () => {
    const seen: { ifMatch: string | null; body: unknown } = { ifMatch: null, body: null };
    server.use(
      http.get(`${API}/reservation-series/ser-1`, () => HttpResponse.json({ id: 'ser-1', version: 4 })),
      http.post(`${API}/reservation-series/ser-1/cancel`, async ({ request }) => {
        seen.ifMatch = request.headers.get('If-Match');
        seen.body = await request.json();
        return HttpResponse.json({ id: 'ser-1', version: 5 });
      }),
    );
    const { user } = renderWithApp(<SeriesActions reservation={reservationFixture({ series_id: 'ser-1' })} />);
    expect(screen.getByTestId('series-badge')).toHaveTextContent('Series');
    await user.click(screen.getByRole('button', { name: 'Cancel in series' }));
    const dialog = screen.getByRole('dialog', { name: 'Cancel in series' });
    // The choice first (focus starts on it), then the one confirming button.
    expect(within(dialog).getByRole('radio', { name: 'This one' })).toHaveFocus();
    await user.click(within(dialog).getByRole('radio', { name: 'This and the following ones' }));
    await user.click(within(dialog).getByRole('button', { name: 'Cancel in series' }));
    await waitFor(() => expect(seen.ifMatch).toBe('"4"'));
    expect(seen.body).toEqual({ scope: 'following', occurrence_id: 'rsv-1' });
    expect(await screen.findByText('Series updated')).toBeInTheDocument();
  });

  it('shows nothing for a reservation outside a series', () => {
    renderWithApp(<SeriesActions reservation={reservationFixture()} />);
    expect(screen.queryByTestId('series-badge')).toBeNull();
  });
});

import { useState } from 'react';
import { screen, within } from '@testing-library/react';
import { renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, problem, server } from '@/testing/server';
import type { ConflictMode, SeriesCreate } from '@/lib/api/types';
import { RepeatControl, type RepeatValue } from './repeat-control';

const START = '2027-03-22T09:00:00Z';

function Harness() {
  const [value, setValue] = useState<RepeatValue>(null);
  const body = (rrule: string, mode: ConflictMode): SeriesCreate => ({
    resource_id: 'res-1',
    title: 'Lab',
    description: '',
    start: START,
    end: '2027-03-22T11:00:00Z',
    rrule,
    conflict_mode: mode,
    parameters: {},
    owner_id: null,
  });
  return <RepeatControl value={value} onChange={setValue} seriesBody={body} />;
}

describe('repeat control', () => {
  it('builds the rule and previews the occurrences and the ones already taken', async () => {
    let sent: SeriesCreate | null = null;
    server.use(
      http.post(`${API}/reservation-series/preview`, async ({ request }) => {
        sent = (await request.json()) as SeriesCreate;
        return HttpResponse.json({
          time_zone: 'Europe/Rome',
          occurrences: [
            { start: '2027-03-22T08:00:00Z', end: '2027-03-22T10:00:00Z', free: true },
            { start: '2027-03-29T07:00:00Z', end: '2027-03-29T09:00:00Z', free: false, conflicting_reservation_id: 'rsv-9' },
            { start: '2027-04-05T07:00:00Z', end: '2027-04-05T09:00:00Z', free: true },
          ],
        });
      }),
    );
    const { user } = renderWithApp(<Harness />);
    await user.selectOptions(screen.getByLabelText('Repeats'), 'WEEKLY');
    const count = screen.getByLabelText('Number of occurrences');
    await user.clear(count);
    await user.type(count, '3');
    await user.click(screen.getByRole('checkbox', { name: 'Mon' }));
    await user.selectOptions(screen.getByLabelText('If some are taken'), 'skip-conflicts');
    await user.click(screen.getByRole('button', { name: 'Preview occurrences' }));
    const preview = await screen.findByTestId('series-preview');
    expect(sent).toMatchObject({ rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=3', conflict_mode: 'skip-conflicts' });
    expect(within(preview).getByText('3 occurrences in Europe/Rome, 1 already taken')).toBeInTheDocument();
    const items = within(preview).getAllByRole('listitem');
    expect(items.map((li) => li.getAttribute('data-free'))).toEqual(['true', 'false', 'true']);
    expect(items[1]).toHaveTextContent('taken');
  });

  it('shows the part of the rule the server refuses', async () => {
    server.use(
      http.post(`${API}/reservation-series/preview`, () =>
        problem(422, { detail: 'rrule COUNT: the series has more than 5 occurrences (the type\'s cap).', part: 'COUNT' }),
      ),
    );
    const { user } = renderWithApp(<Harness />);
    await user.selectOptions(screen.getByLabelText('Repeats'), 'DAILY');
    await user.click(screen.getByRole('button', { name: 'Preview occurrences' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('rrule COUNT');
  });

  it('refuses a zero count before asking the server', async () => {
    const { user } = renderWithApp(<Harness />);
    await user.selectOptions(screen.getByLabelText('Repeats'), 'DAILY');
    const count = screen.getByLabelText('Number of occurrences');
    await user.clear(count);
    await user.type(count, '0');
    expect(screen.getByText('Enter a whole number of at least 1.')).toBeInTheDocument();
  });
});

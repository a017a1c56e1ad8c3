import { screen, waitFor, within } from '@testing-library/react';
import { renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, problem, server } from '@/testing/server';
import { BlackoutBands, BlackoutLegend } from './blackouts';
import { WaitForPeriod } from './wait-for-period';

const NOW = '2030-01-01T08:00:00Z';

describe('fair use views', () => {
  it('joins the waitlist for a taken period, shows the place in line and leaves it', async () => {
    const sent: unknown[] = [];
    let left = false;
    const entry = {
      id: 'w-1', site_id: 'site-1', resource_id: 'res-1', user_id: 'sub-bob', title: 'GPU night',
      start: '2030-01-02T09:00:00Z', end: '2030-01-02T10:00:00Z', auto_book: true, status: 'waiting',
      position: 2, expires_at: '2030-01-02T09:00:00Z', confirm_by: null, reservation_id: null, created_at: NOW,
    };
    server.use(
      http.post(`${API}/resources/res-1/waitlist`, async ({ request }) => {
        sent.push(await request.json());
        return HttpResponse.json(entry, { status: 201 });
      }),
      http.get(`${API}/me/waitlist`, () => HttpResponse.json(left ? [] : [entry])),
      http.delete(`${API}/waitlist/w-1`, () => {
        left = true;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { user } = renderWithApp(
      <WaitForPeriod resourceId="res-1" title="GPU night" start="2030-01-02T09:00:00Z" end="2030-01-02T10:00:00Z" />,
    );
    await user.click(screen.getByRole('button', { name: 'Wait for this period' }));
    const joined = await screen.findByTestId('waitlist-joined');
    expect(within(joined).getByText('Position in line: 2')).toBeInTheDocument();
    expect(sent).toEqual([{ title: 'GPU night', start: '2030-01-02T09:00:00Z', end: '2030-01-02T10:00:00Z', auto_book: true }]);
    await user.click(within(joined).getByRole('button', { name: 'Leave the line' }));
    // Asked first: the place in line is lost.
    const dialog = await screen.findByRole('dialog', { name: 'Leave the line for “GPU night”?' });
    expect(left).toBe(false);
    await user.click(within(dialog).getByRole('button', { name: 'Leave the line' }));
    await waitFor(() => expect(left).toBe(true));
    expect(await screen.findByRole('button', { name: 'Wait for this period' })).toBeInTheDocument();
  });

  it('waits for units of a pooled resource, from the ones asked for, bounded by its capacity', async () => {
    const sent: Record<string, unknown>[] = [];
    server.use(
      http.post(`${API}/resources/pool-1/waitlist`, async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        sent.push(body);
        return HttpResponse.json(
          {
            id: 'w-2', site_id: 'site-1', resource_id: 'pool-1', user_id: 'sub-bob', title: 'GPU night',
            start: '2030-01-02T09:00:00Z', end: '2030-01-02T10:00:00Z', auto_book: false, status: 'waiting',
            position: 1, expires_at: '2030-01-02T09:00:00Z', confirm_by: null, reservation_id: null, created_at: NOW,
            quantity: body.quantity,
          },
          { status: 201 },
        );
      }),
      http.get(`${API}/me/waitlist`, () => HttpResponse.json([])),
    );
    const { user } = renderWithApp(
      <WaitForPeriod resourceId="pool-1" title="GPU night" start="2030-01-02T09:00:00Z" end="2030-01-02T10:00:00Z" quantity={3} capacity={4} />,
    );
    const units = screen.getByLabelText(/Units to wait for/);
    expect(units).toHaveValue(3);
    expect(units).toHaveAttribute('max', '4');
    expect(screen.getByText('The resource lends 4 units at once.')).toBeInTheDocument();
    await user.clear(units);
    await user.type(units, '5');
    await user.click(screen.getByRole('button', { name: 'Wait for this period' }));
    expect(await screen.findByText('Must be at most 4.')).toBeInTheDocument();
    expect(units).toHaveAttribute('aria-invalid', 'true');
    expect(sent).toEqual([]);
    await user.clear(units);
    await user.type(units, '2');
    await user.click(screen.getByLabelText(/Book it for me/));
    await user.click(screen.getByRole('button', { name: 'Wait for this period' }));
    const joined = await screen.findByTestId('waitlist-joined');
    expect(sent).toEqual([{ title: 'GPU night', start: '2030-01-02T09:00:00Z', end: '2030-01-02T10:00:00Z', auto_book: false, quantity: 2 }]);
    expect(joined).toHaveTextContent('2 units');
  });

  it("puts the server's quantity-over-capacity answer on the units to wait for", async () => {
    server.use(
      http.post(`${API}/resources/pool-1/waitlist`, () =>
        problem(422, {
          type: 'urn:reservation:problem:quantity-over-capacity',
          title: 'The quantity is more than the resource lends',
          detail: "'GPU pool' lends 2 units at once; 3 were asked for.",
          errors: [{ loc: ['body', 'quantity'], msg: 'at most 2', type: 'capacity' }],
        }),
      ),
    );
    const { user } = renderWithApp(
      <WaitForPeriod resourceId="pool-1" title="GPU night" start="2030-01-02T09:00:00Z" end="2030-01-02T10:00:00Z" quantity={3} capacity={4} />,
    );
    await user.click(screen.getByRole('button', { name: 'Wait for this period' }));
    expect(await screen.findByText('at most 2')).toBeInTheDocument();
    const units = screen.getByLabelText(/Units to wait for/);
    expect(units).toHaveAttribute('aria-invalid', 'true');
    expect(units).toHaveFocus();
    expect(screen.getByText("'GPU pool' lends 2 units at once; 3 were asked for.")).toBeInTheDocument();
    expect(screen.queryByTestId('waitlist-joined')).not.toBeInTheDocument();
  });

  it('asks no units of a resource that lends one at a time', () => {
    renderWithApp(<WaitForPeriod resourceId="res-1" title="" start="2030-01-02T09:00:00Z" end="2030-01-02T10:00:00Z" />);
    expect(screen.getByRole('button', { name: 'Wait for this period' })).toBeInTheDocument();
    expect(screen.queryByLabelText(/Units to wait for/)).not.toBeInTheDocument();
  });

  it('lists the maintenance windows of the shown range and draws them in each day', async () => {

    const monday = new Date(2030, 0, 14);
    const sunday = new Date(2030, 0, 21);
    const queries: URLSearchParams[] = [];
    const window = (id: string, scope: string, resource: string | null, reason: string) => ({
      id, site_id: 'site-1', resource_id: resource, scope, policy: 'refuse', reason,
      start: new Date(2030, 0, 15, 8).toISOString(), end: new Date(2030, 0, 15, 12).toISOString(),
      created_by: 'sub-alice', created_at: NOW, cancelled_reservations: [],
    });
    server.use(
      http.get(`${API}/sites/site-1/blackouts`, ({ request }) => {
        queries.push(new URL(request.url).searchParams);
        return HttpResponse.json([
          window('b-1', 'site', null, 'Power work'),
          window('b-2', 'subtree', 'rack-9', 'Rack rewiring'),
        ]);
      }),
    );
    const shown = { site: 'site-1', start: monday, end: sunday, resourceName: (id: string) => (id === 'rack-9' ? 'Rack 9' : undefined) };
    const box = (day: Date) => (start: Date, end: Date) =>
      start < new Date(day.getTime() + 86_400_000) && end > day ? { top: start.getHours() * 48, height: (end.getTime() - start.getTime()) / 75_000 } : null;
    renderWithApp(
      <>
        <BlackoutLegend {...shown} />
        <BlackoutBands {...shown} resourceId="other" day={new Date(2030, 0, 15)} box={box(new Date(2030, 0, 15))} />
        <BlackoutBands {...shown} day={new Date(2030, 0, 16)} box={box(new Date(2030, 0, 16))} />
      </>,
    );
    const list = await screen.findByTestId('blackout-list');
    expect(list.textContent).toContain('Power work');
    expect(list.textContent).toContain('the whole site');
    expect(list.textContent).toContain('Rack 9 and everything in it');
    // Tuesday, another resource chosen: only the site-wide window; Wednesday: none.
    const bands = await screen.findAllByTestId('blackout-band');
    expect(bands.map((b) => b.getAttribute('title'))).toEqual([expect.stringContaining('Maintenance: Power work')]);
    expect(queries.at(-1)!.get('start')).toBe(monday.toISOString());
    expect(queries.at(-1)!.get('end')).toBe(sunday.toISOString());
  });
});

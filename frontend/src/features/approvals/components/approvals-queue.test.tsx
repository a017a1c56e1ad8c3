import { screen, waitFor } from '@testing-library/react';
import { page, reservationFixture } from '@/testing/fixtures';
import { renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, server } from '@/testing/server';
import { ApprovalsQueue } from './approvals-queue';

describe('approvals queue', () => {
  it('approves a pending booking with its version and drops it from the queue', async () => {
    let pending = [reservationFixture({ status: 'pending', title: 'Needs a yes', version: 5 })];
    let approval: { ifMatch: string | null; body: unknown } | null = null;
    server.use(
      http.get(`${API}/reservations`, ({ request }) => {
        expect(new URL(request.url).searchParams.getAll('status')).toEqual(['pending']);
        return HttpResponse.json(page(pending));
      }),
      http.post(`${API}/reservations/rsv-1/approve`, async ({ request }) => {
        approval = { ifMatch: request.headers.get('If-Match'), body: await request.json() };
        pending = [];
        return HttpResponse.json(reservationFixture({ status: 'confirmed' }));
      }),
    );
    const { user } = renderWithApp(<ApprovalsQueue site="site-1" />);
    await screen.findByText('Needs a yes');
    await user.type(screen.getByLabelText(/Reason — Needs a yes/), 'ok for the lab');
    await user.click(screen.getByRole('button', { name: 'Approve' }));
    expect(await screen.findByText('Nothing waits for approval.')).toBeInTheDocument();
    await waitFor(() => expect(approval).toEqual({ ifMatch: '"5"', body: { reason: 'ok for the lab' } }));
  });
});

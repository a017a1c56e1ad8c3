import { screen, waitFor, within } from '@testing-library/react';
import { renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, server } from '@/testing/server';
import { NotificationBell } from './notification-bell';

const note = (id: string, read: boolean, message: string) => ({
  id,
  kind: 'reservation.confirmed',
  message,
  links: [],
  read,
  read_at: null,
  created_at: '2030-01-01T09:00:00Z',
});

function sseResponse(events: string) {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(events));
    },
  });
  return new HttpResponse(stream, { headers: { 'Content-Type': 'text/event-stream' } });
}

describe('notification bell', () => {
  it('shows the unread count, lists notifications and marks all read', async () => {
    let unread = 2;
    server.use(
      http.get(`${API}/events/stream`, () => new HttpResponse(null, { status: 404 })),
      http.get(`${API}/notifications/unread-count`, () => HttpResponse.json({ unread })),
      http.get(`${API}/notifications`, () =>
        HttpResponse.json({
          items: [note('n1', false, 'Your booking was approved'), note('n2', true, 'Old news')],
          meta: { page: 1, size: 6, total: 2, pages: 1 },
        }),
      ),
      http.post(`${API}/notifications/read-all`, () => {
        unread = 0;
        return HttpResponse.json({ updated: 2 });
      }),
    );
    const { user } = renderWithApp(<NotificationBell />);
    const bell = await screen.findByRole('button', { name: 'Notifications, 2 unread' });
    await user.click(bell);
    const region = screen.getByRole('region', { name: 'Notifications' });
    expect(await within(region).findByText('Your booking was approved')).toBeInTheDocument();
    expect(within(region).getByText('Live updates paused')).toBeInTheDocument();
    await user.click(within(region).getByRole('button', { name: 'Mark all as read' }));
    expect(await screen.findByRole('button', { name: 'Notifications, 0 unread' })).toBeInTheDocument();
  });

  it('refreshes the count when the live stream announces a notification', async () => {
    let unread = 0;
    let streamCalls = 0;
    server.use(
      http.get(`${API}/notifications/unread-count`, () => HttpResponse.json({ unread })),
      http.get(`${API}/events/stream`, ({ request }) => {
        streamCalls += 1;
        // The token travels in the header, never in the URL (proxies log URLs).
        expect(request.headers.get('Authorization')).toBe('Bearer test-token');
        expect(new URL(request.url).search).not.toContain('token');
        unread = 1;
        return sseResponse('event: notification\ndata: {"id":"n3","message":"Port Gi1/0/7 on VLAN 42"}\n\n');
      }),
    );
    renderWithApp(<NotificationBell />);
    expect(await screen.findByRole('button', { name: 'Notifications, 1 unread' })).toBeInTheDocument();
    expect(await screen.findByText('Port Gi1/0/7 on VLAN 42')).toBeInTheDocument();
    await waitFor(() => expect(streamCalls).toBeGreaterThanOrEqual(1));
  });
});

import { screen, within } from '@testing-library/react';
import { renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, problem, server } from '@/testing/server';
import { MAIL_KINDS, NotificationSettings } from './notification-settings';

const defaults = () => ({
  locale: null as 'en' | 'it' | null,
  kinds: Object.fromEntries(MAIL_KINDS.map((k) => [k, true])) as Record<string, boolean>,
  reminder_start_minutes: 30,
  reminder_end_minutes: 15,
  calendar_feed: { active: false, created_at: null as string | null },
});

describe('e-mail and calendar settings', () => {
  it('saves the language, the kinds and the reminder minutes, and shows a refusal on its field', async () => {
    let state = defaults();
    const sent: Record<string, unknown>[] = [];
    server.use(
      http.get(`${API}/users/me/notification-preferences`, () => HttpResponse.json(state)),
      http.patch(`${API}/users/me/notification-preferences`, async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        sent.push(body);
        if (body.reminder_end_minutes === 999) {
          return problem(422, { errors: [{ loc: ['body', 'reminder_end_minutes'], msg: 'too late', type: 'value_error' }] });
        }
        state = { ...state, ...(body as object), kinds: { ...state.kinds, ...(body.kinds as object) } };
        return HttpResponse.json(state);
      }),
    );
    const { user } = renderWithApp(<NotificationSettings />);
    const form = await screen.findByRole('form', { name: 'E-mail preferences' });
    await user.selectOptions(within(form).getByLabelText('Language of the e-mails'), 'it');
    await user.click(within(form).getByLabelText('my booking is changed'));
    const start = within(form).getByLabelText('Remind me this many minutes before the start');
    await user.clear(start);
    await user.type(start, '0');
    await user.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await within(form).findByText('Between 1 and 10080 minutes (7 days).')).toBeInTheDocument();
    expect(sent).toHaveLength(0);

    await user.clear(start);
    await user.type(start, '10');
    const end = within(form).getByLabelText('Remind me this many minutes before the end');
    await user.clear(end);
    await user.type(end, '999');
    await user.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await within(form).findByText('too late')).toBeInTheDocument();

    await user.clear(end);
    await user.type(end, '5');
    await user.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await within(form).findByText('Saved.')).toBeInTheDocument();
    expect(sent.at(-1)).toMatchObject({
      locale: 'it',
      reminder_start_minutes: 10,
      reminder_end_minutes: 5,
      kinds: { booking_changed: false, booking_confirmed: true },
    });
  });

  it('creates the feed address, shows it once, and turns the feed off', async () => {
    let state = defaults();
    server.use(
      http.get(`${API}/users/me/notification-preferences`, () => HttpResponse.json(state)),
      http.post(`${API}/users/me/calendar-feed`, () => {
        state = { ...state, calendar_feed: { active: true, created_at: '2026-12-04T12:00:00Z' } };
        return HttpResponse.json(
          { token: 'secret-token', url: 'https://app.test/api/v1/calendar/secret-token.ics', created_at: '2026-12-04T12:00:00Z' },
          { status: 201 },
        );
      }),
      http.delete(`${API}/users/me/calendar-feed`, () => {
        state = { ...state, calendar_feed: { active: false, created_at: null } };
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { user } = renderWithApp(<NotificationSettings />);
    expect(await screen.findByText('You have no calendar feed.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Create feed address' }));
    expect(await screen.findByDisplayValue('https://app.test/api/v1/calendar/secret-token.ics')).toBeInTheDocument();
    expect(await screen.findByRole('button', { name: 'Replace the address' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Turn the feed off' }));
    const dialog = screen.getByRole('dialog', { name: 'Turn off your calendar feed?' });
    await user.click(within(dialog).getByRole('button', { name: 'Turn the feed off' }));
    expect(await screen.findByText('You have no calendar feed.')).toBeInTheDocument();
    expect(screen.queryByDisplayValue(/secret-token/)).not.toBeInTheDocument();
  });
});

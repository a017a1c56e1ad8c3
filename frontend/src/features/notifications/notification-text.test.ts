import { formatDateTime, formatRange, setupI18n } from '@/lib/i18n';
import { notificationText } from './notification-text';

const booked = {
  kind: 'reservation.created',
  message: "Reservation 'Deploy' on server-1 was created (confirmed).",
  params: {
    title: 'Deploy',
    resource: 'server-1',
    start: '2030-01-07T09:00:00+00:00',
    end: '2030-01-07T11:00:00+00:00',
    status: 'confirmed',
  },
};

describe('notification text', () => {
  afterEach(() => setupI18n('en'));

  it('words a booking in the user’s language with local times, not the stored English', () => {
    setupI18n('en');
    const when = (lng: string) => formatRange(booked.params.start, booked.params.end, lng);
    expect(notificationText(booked, 'en')).toBe(`“Deploy” on server-1 was booked for ${when('en')} (Confirmed).`);
    setupI18n('it');
    expect(notificationText(booked, 'it')).toBe(`Prenotazione «Deploy» su server-1 creata per ${when('it')} (Confermata).`);
  });

  it('picks the variant the params call for and keeps an integration’s message', () => {
    setupI18n('it');
    const cancelled = { ...booked, kind: 'reservation.cancelled', params: { ...booked.params, cause: 'idle' } };
    expect(notificationText(cancelled, 'it')).toBe(
      'Prenotazione «Deploy» su server-1 annullata: nessun check-in in tempo; il periodo è di nuovo libero.',
    );
    const ready = {
      ...booked,
      kind: 'reservation.provisioning_changed',
      params: { ...booked.params, state: 'ready', detail: 'port Gi1/0/7' },
    };
    expect(notificationText(ready, 'it')).toBe('«Deploy» su server-1 è pronta. port Gi1/0/7');
    const reminder = { ...booked, kind: 'reservation.reminder_start', params: { ...booked.params, minutes: 10 } };
    expect(notificationText(reminder, 'it')).toBe(
      `Prenotazione «Deploy» su server-1: inizia tra 10 minuti (${formatDateTime(booked.params.start, 'it')}).`,
    );
    const member = { kind: 'site.member_added', message: 'You were added to Lab as site-admin.', params: { site: 'Lab', role: 'site-admin' } };
    expect(notificationText(member, 'it')).toBe('Ora fai parte di Lab come Amministratore del sito.');
    const offer = {
      kind: 'waitlist.offered',
      message: 'booked',
      params: { title: 'Deploy', confirm_by: '2030-01-07T08:00:00+00:00', booked: true },
    };
    expect(notificationText(offer, 'it')).toContain('è stata prenotata per te dalla lista d’attesa');
  });

  it('shows the stored message for a row without params or a kind it does not word', () => {
    setupI18n('it');
    expect(notificationText({ ...booked, params: {} }, 'it')).toBe(booked.message);
    expect(notificationText({ kind: 'something.new', message: 'As stored', params: { title: 'x' } }, 'it')).toBe('As stored');
    expect(notificationText({ kind: 'reservation.created', message: 'No params at all' }, 'it')).toBe('No params at all');
  });
});

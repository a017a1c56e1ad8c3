import { auditActionLabel, auditEntityLabel, auditSubject, eventLabel, formatDuration, roleLabel, visibleRoles } from './humanise';
import { setupI18n } from './i18n';

describe('humanised values', () => {
  afterEach(() => setupI18n('en'));

  it('reads durations, roles, events and audit entries in English and Italian', () => {
    setupI18n('en');
    expect(formatDuration('PT10S', 'en')).toBe('10 seconds');
    expect(formatDuration('PT1H30M', 'en')).toBe('1 hour and 30 minutes');
    expect(visibleRoles(['site-admin', 'offline_access', 'uma_authorization', 'default-roles-reservations', 'platform-admin']).map(roleLabel)).toEqual([
      'Site admin',
      'Platform admin',
    ]);
    expect(eventLabel('reservation.created')).toBe('Booking created');
    expect(eventLabel('something.new_here')).toBe('Something new here');
    expect(auditActionLabel('create')).toBe(auditActionLabel('created'));
    expect(auditEntityLabel('resource_type')).toBe('Resource type');
    setupI18n('it');
    expect(formatDuration('PT10S', 'it')).toBe('10 secondi');
    expect(roleLabel('site-admin')).toBe('Amministratore del sito');
    expect(eventLabel('reservation.created')).toBe('Prenotazione creata');
    expect(auditActionLabel('delete')).toBe('Eliminazione');
  });

  it('names an audit entry’s subject from its snapshot, not its id', () => {
    expect(auditSubject(null, { username: 'bob', role: 'member' })).toBe('bob');
    expect(auditSubject({ title: 'Old' }, { title: 'New' })).toBe('New');
    expect(auditSubject(null, null)).toBeUndefined();
  });
});

import { describeRrule } from './recurrence';
import { setupI18n } from './i18n';

describe('recurrence rules in words', () => {
  afterEach(() => setupI18n('en'));

  it('reads the rules the booking form writes, in English and Italian', () => {
    setupI18n('en');
    const monday = { firstStart: '2030-01-07T09:00:00Z', timeZone: 'Europe/Rome' };
    expect(describeRrule('FREQ=WEEKLY;COUNT=3', 'en', monday)).toBe('Every week on Monday, 3 times');
    expect(describeRrule('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20300301', 'en')).toBe(
      'Every 2 weeks on Monday and Wednesday, until Mar 1, 2030',
    );
    expect(describeRrule('FREQ=DAILY;COUNT=1', 'en')).toBe('Every day, once');
    expect(describeRrule('FREQ=MONTHLY;COUNT=6', 'en', monday)).toBe('Every month on day 7, 6 times');
    expect(describeRrule('FREQ=MONTHLY;BYDAY=-1FR;COUNT=2', 'en')).toBe('Every month on the last Friday, 2 times');
    expect(describeRrule('FREQ=MONTHLY;BYMONTHDAY=1,15;COUNT=4', 'en')).toBe('Every month on days 1 and 15, 4 times');
    setupI18n('it');
    expect(describeRrule('FREQ=WEEKLY;COUNT=3', 'it', monday)).toBe('Ogni settimana di lunedì, 3 volte');
    expect(describeRrule('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20300301', 'it')).toBe(
      'Ogni 2 settimane di lunedì e mercoledì, fino al 1 mar 2030',
    );
    expect(describeRrule('FREQ=MONTHLY;BYDAY=1SU;COUNT=1', 'it')).toBe('Ogni mese la prima domenica, una volta');
    expect(describeRrule('FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=2', 'it')).toBe('Ogni mese l’ultimo giorno del mese, 2 volte');
  });

  it('gives up on anything outside the subset, so the rule itself is shown', () => {
    expect(describeRrule('FREQ=YEARLY;COUNT=3', 'en')).toBeNull();
    expect(describeRrule('FREQ=WEEKLY;BYHOUR=9;COUNT=3', 'en')).toBeNull();
    expect(describeRrule('FREQ=WEEKLY;BYDAY=1MO;COUNT=3', 'en')).toBeNull();
    expect(describeRrule('FREQ=DAILY', 'en')).toBeNull();
    expect(describeRrule('nonsense', 'en')).toBeNull();
  });
});

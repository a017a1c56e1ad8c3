import { buildRrule, repeatErrors, type Repeat } from './rrule';

const weekly: Repeat = { frequency: 'WEEKLY', interval: 1, weekdays: [], count: 10, until: null };

describe('buildRrule', () => {
  it('writes the backend subset with COUNT', () => {
    expect(buildRrule(weekly)).toBe('FREQ=WEEKLY;COUNT=10');
  });
  it('orders weekdays and adds an interval', () => {
    expect(buildRrule({ ...weekly, interval: 2, weekdays: ['WE', 'MO'] })).toBe('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=10');
  });
  it('uses UNTIL as a date instead of COUNT', () => {
    expect(buildRrule({ ...weekly, frequency: 'DAILY', until: '2027-03-31' })).toBe('FREQ=DAILY;UNTIL=20270331');
  });
  it('ignores weekdays for monthly rules', () => {
    expect(buildRrule({ ...weekly, frequency: 'MONTHLY', weekdays: ['MO'], count: 3 })).toBe('FREQ=MONTHLY;COUNT=3');
  });
});

describe('repeatErrors', () => {
  it('flags a zero count, a bad interval and a malformed date', () => {
    expect(repeatErrors({ ...weekly, count: 0 })).toEqual({ count: 'invalid' });
    expect(repeatErrors({ ...weekly, interval: 0 })).toEqual({ interval: 'invalid' });
    expect(repeatErrors({ ...weekly, until: '31/03/2027' })).toEqual({ until: 'invalid' });
    expect(repeatErrors(weekly)).toEqual({});
  });
});

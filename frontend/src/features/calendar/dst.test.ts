// Runs in a zone with daylight saving time: days of 23 and 25 hours.
(globalThis as unknown as { process: { env: Record<string, string> } }).process.env.TZ = 'Europe/Rome';

import { dayBox, HOUR_PX, MIN_EVENT_PX } from './utils';

describe('calendar days with a DST change (Europe/Rome)', () => {
  it('draws a booking after the spring-forward night on its wall-clock rows', () => {
    const day = new Date(2030, 2, 31); // Sunday 31 March 2030: 02:00 -> 03:00
    expect(day.getTimezoneOffset()).toBe(-60);
    const box = dayBox(new Date(2030, 2, 31, 9), new Date(2030, 2, 31, 11), day);
    expect(box).toEqual({ top: 9 * HOUR_PX, height: 2 * HOUR_PX });
  });

  it('ends a day at the next local midnight, not 24 hours later', () => {
    const day = new Date(2030, 9, 27); // Sunday 27 October 2030: 03:00 -> 02:00 (25 hours)
    const late = dayBox(new Date(2030, 9, 27, 22), new Date(2030, 9, 28, 2), day);
    expect(late).toEqual({ top: 22 * HOUR_PX, height: 2 * HOUR_PX });
    // The next day's early hours are drawn on the next day only.
    expect(dayBox(new Date(2030, 9, 28, 0, 30), new Date(2030, 9, 28, 1), day)).toBeNull();
  });

  it('keeps a short booking readable', () => {
    const day = new Date(2030, 0, 16);
    expect(dayBox(new Date(2030, 0, 16, 14), new Date(2030, 0, 16, 14, 10), day)?.height).toBe(MIN_EVENT_PX);
  });
});

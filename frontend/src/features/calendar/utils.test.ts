import { dayBox, HOUR_PX, snapMinutes, startOfWeek, visibleRange } from './utils';

describe('calendar ranges', () => {
  it('starts weeks on Monday and months on the Monday before the first', () => {
    const wed = new Date(2030, 0, 16, 15, 30); // Wednesday 16 January 2030
    expect(startOfWeek(wed)).toEqual(new Date(2030, 0, 14));
    const month = visibleRange('month', wed);
    expect(month.start).toEqual(new Date(2029, 11, 31));
    expect(month.days).toHaveLength(42);
    expect(visibleRange('week', wed).end).toEqual(new Date(2030, 0, 21));
    expect(visibleRange('day', wed)).toMatchObject({ start: new Date(2030, 0, 16), end: new Date(2030, 0, 17) });
  });

  it('clips a booking to the day it is drawn on', () => {
    const day = new Date(2030, 0, 16);
    expect(dayBox(new Date(2030, 0, 16, 9), new Date(2030, 0, 16, 11), day)).toEqual({ top: 9 * HOUR_PX, height: 2 * HOUR_PX });
    expect(dayBox(new Date(2030, 0, 15, 22), new Date(2030, 0, 16, 2), day)).toEqual({ top: 0, height: 2 * HOUR_PX });
    expect(dayBox(new Date(2030, 0, 17, 1), new Date(2030, 0, 17, 2), day)).toBeNull();
  });

  it('snaps drags to quarter hours', () => {
    expect(snapMinutes(HOUR_PX)).toBe(60);
    expect(snapMinutes(HOUR_PX / 4 + 2)).toBe(15);
    expect(snapMinutes(-HOUR_PX / 2)).toBe(-30);
  });
});

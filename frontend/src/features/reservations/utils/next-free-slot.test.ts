import { nextFreeSlot } from './next-free-slot';

const at = (h: number, m = 0) => new Date(Date.UTC(2030, 2, 1, h, m));
const busy = (a: Date, b: Date) => ({ start: a.toISOString(), end: b.toISOString() });

describe('nextFreeSlot', () => {
  it('starts right after the booking in the way', () => {
    expect(nextFreeSlot([busy(at(8), at(10))], at(9), 3_600_000, at(23))).toEqual({ start: at(10), end: at(11) });
  });

  it('skips gaps too short for the booking', () => {
    const periods = [busy(at(8), at(10)), busy(at(10, 30), at(12))];
    expect(nextFreeSlot(periods, at(9), 3_600_000, at(23))).toEqual({ start: at(12), end: at(13) });
  });

  it('uses a gap long enough, whatever order the periods come in', () => {
    const periods = [busy(at(14), at(15)), busy(at(8), at(10))];
    expect(nextFreeSlot(periods, at(9), 2 * 3_600_000, at(23))).toEqual({ start: at(10), end: at(12) });
  });

  it('gives up past the horizon', () => {
    expect(nextFreeSlot([busy(at(8), at(22))], at(9), 3_600_000, at(22, 30))).toBeNull();
  });
});

describe('nextFreeSlot with lead time and teardown grace', () => {
  it('leaves room for the new booking’s own lead time and grace', () => {
    const periods = [busy(at(8), at(10)), busy(at(11, 5), at(12))];
    const slot = nextFreeSlot(periods, at(9), 3_600_000, at(23), { leadMs: 5 * 60_000, graceMs: 5 * 60_000 });
    expect(slot).toEqual({ start: at(12, 5), end: at(13, 5) });
  });
});

import { layoutColumns } from './lanes';

const h = (hour: number) => hour * 3_600_000;

describe('layoutColumns', () => {
  it('gives a booking alone the whole width', () => {
    expect(layoutColumns([{ id: 'a', start: h(9), end: h(10) }]).get('a')).toEqual({ column: 0, columns: 1 });
  });

  it('puts overlapping bookings of a pool side by side and reuses a column once it is free', () => {
    const placed = layoutColumns([
      { id: 'a', start: h(9), end: h(12) },
      { id: 'b', start: h(10), end: h(11) },
      { id: 'c', start: h(11), end: h(13) },
      { id: 'd', start: h(14), end: h(15) },
    ]);
    expect(placed.get('a')).toEqual({ column: 0, columns: 2 });
    expect(placed.get('b')).toEqual({ column: 1, columns: 2 });
    // b has ended at 11:00: c takes its column.
    expect(placed.get('c')).toEqual({ column: 1, columns: 2 });
    // After the cluster: alone again.
    expect(placed.get('d')).toEqual({ column: 0, columns: 1 });
  });

  it('splits three bookings of the same period into thirds', () => {
    const placed = layoutColumns(['x', 'y', 'z'].map((id) => ({ id, start: h(9), end: h(10) })));
    expect([...placed.values()].map((p) => p.column).sort()).toEqual([0, 1, 2]);
    expect([...placed.values()].every((p) => p.columns === 3)).toBe(true);
  });

  it('keeps touching bookings (one ends as the next starts) in one column', () => {
    const placed = layoutColumns([
      { id: 'a', start: h(9), end: h(10) },
      { id: 'b', start: h(10), end: h(11) },
    ]);
    expect(placed.get('a')).toEqual({ column: 0, columns: 1 });
    expect(placed.get('b')).toEqual({ column: 0, columns: 1 });
  });
});

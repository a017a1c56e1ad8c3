import { joinDuration, splitDuration } from './duration-input';

describe('duration input', () => {
  it('reads ISO durations in their largest whole unit and writes them back', () => {
    expect(splitDuration('PT10S')).toEqual({ amount: '10', unit: 'S' });
    expect(splitDuration('PT90M')).toEqual({ amount: '90', unit: 'M' });
    expect(splitDuration('PT2H')).toEqual({ amount: '2', unit: 'H' });
    expect(splitDuration('P30D')).toEqual({ amount: '30', unit: 'D' });
    expect(splitDuration('')).toEqual({ amount: '', unit: 'H' });
    expect(joinDuration('90', 'M')).toBe('PT90M');
    expect(joinDuration('30', 'D')).toBe('P30D');
    expect(joinDuration('', 'H')).toBe('');
  });
});

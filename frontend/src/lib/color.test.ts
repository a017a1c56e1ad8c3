import { contrast, textOn } from './color';

describe('text on a type colour', () => {
  it('picks the text colour with at least AA contrast', () => {
    for (const color of ['#16a34a', '#2563eb', '#9333ea', '#ea580c', '#f59e0b', '#4f5868']) {
      expect(contrast(color, textOn(color))).toBeGreaterThanOrEqual(4.5);
    }
    expect(textOn('#16a34a')).toBe('#111827');
    expect(textOn('#2563eb')).toBe('#ffffff');
  });
});

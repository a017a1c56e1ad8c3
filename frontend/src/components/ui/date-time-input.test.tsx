import { screen } from '@testing-library/react';
import { useState } from 'react';
import { setupI18n } from '@/lib/i18n';
import { renderWithApp } from '@/testing/render';
import { DateTimeInput, formatLocalValue, parseLocalValue } from './date-time-input';

function Harness({ onValue }: { onValue: (v: string) => void }) {
  const [value, setValue] = useState('2030-03-01T09:00');
  return (
    <label>
      Start
      <DateTimeInput
        value={value}
        onChange={(v) => {
          setValue(v);
          onValue(v);
        }}
      />
    </label>
  );
}

describe('date-time input', () => {
  afterEach(() => setupI18n('en'));

  it('writes and reads dates in the language’s order with a 24-hour clock', () => {
    expect(formatLocalValue('2030-03-01T09:00', 'it')).toBe('01/03/2030, 09:00');
    expect(parseLocalValue('02/03/2030 14:30', 'it')).toBe('2030-03-02T14:30');
    expect(parseLocalValue('03/02/2030, 14:30', 'en')).toBe('2030-03-02T14:30');
    expect(parseLocalValue('31/02/2030 10:00', 'it')).toBe('');
    expect(parseLocalValue('02/03/2030', 'it')).toBe('');
  });

  it('shows Italian users day-first dates whatever the browser’s language', async () => {
    setupI18n('it');
    const seen = vi.fn();
    const { user } = renderWithApp(<Harness onValue={seen} />);
    const input = screen.getByLabelText('Start');
    expect(input).toHaveValue('01/03/2030, 09:00');
    expect(input).toHaveAttribute('placeholder', 'gg mm aaaa hh mm');
    await user.clear(input);
    await user.type(input, '02/03/2030 10:30');
    expect(seen).toHaveBeenLastCalledWith('2030-03-02T10:30');
    await user.tab();
    expect(input).toHaveValue('02/03/2030, 10:30');
  });
});

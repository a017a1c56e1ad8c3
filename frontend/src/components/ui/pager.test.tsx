import { screen } from '@testing-library/react';
import { renderWithApp } from '@/testing/render';
import { Pager } from './pager';

describe('pager', () => {
  it('shows nothing when one page holds everything', () => {
    renderWithApp(<Pager page={1} pages={1} onChange={() => undefined} label="Bookings" />);
    expect(screen.queryByRole('navigation', { name: 'Bookings' })).not.toBeInTheDocument();
  });

  it('names the page and moves one page either way, not beyond the ends', async () => {
    const onChange = vi.fn();
    const { user } = renderWithApp(<Pager page={2} pages={3} onChange={onChange} label="Bookings" />);
    const nav = screen.getByRole('navigation', { name: 'Bookings' });
    expect(nav).toHaveTextContent('Page 2 of 3');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await user.click(screen.getByRole('button', { name: 'Previous' }));
    expect(onChange.mock.calls).toEqual([[3], [1]]);
  });
});

import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { useState } from 'react';
import { ConfirmDialog } from './confirm-dialog';

function Harness({ withReason = false, onConfirm }: { withReason?: boolean; onConfirm: () => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Delete thing
      </button>
      {open ? (
        <ConfirmDialog title="Delete the thing?" confirmLabel="Delete" onConfirm={onConfirm} onClose={() => setOpen(false)}>
          <p>It is gone for good.</p>
          {withReason ? (
            <label>
              Reason
              <input />
            </label>
          ) : null}
        </ConfirmDialog>
      ) : null}
    </>
  );
}

async function serious(container: Element): Promise<string[]> {
  // jsdom draws nothing: contrast is the browser tests' job.
  const result = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
}

describe('confirm dialog', () => {
  it('starts on the way back, so Enter never confirms by accident; Escape closes and returns focus', async () => {
    const user = userEvent.setup();
    const onConfirm = vi.fn();
    const { container } = render(<Harness onConfirm={onConfirm} />);
    const opener = screen.getByRole('button', { name: 'Delete thing' });
    await user.click(opener);
    const dialog = screen.getByRole('dialog', { name: 'Delete the thing?' });
    expect(within(dialog).getByRole('button', { name: 'Back' })).toHaveFocus();
    expect(await serious(container)).toEqual([]);
    await user.keyboard('{Enter}');
    expect(onConfirm).not.toHaveBeenCalled();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(opener).toHaveFocus();

    await user.click(opener);
    // Tab stays inside: Back, Delete, the close button, and round again.
    await user.tab();
    expect(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete' })).toHaveFocus();
    await user.tab();
    await user.tab();
    expect(screen.getByRole('dialog').contains(document.activeElement)).toBe(true);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(opener).toHaveFocus();
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it('starts on its first field when it has one, and confirms only by its button', async () => {
    const user = userEvent.setup();
    const onConfirm = vi.fn();
    render(<Harness withReason onConfirm={onConfirm} />);
    await user.click(screen.getByRole('button', { name: 'Delete thing' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete the thing?' });
    expect(within(dialog).getByRole('textbox', { name: 'Reason' })).toHaveFocus();
    await user.keyboard('no longer needed');
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });
});

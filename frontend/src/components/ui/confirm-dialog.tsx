import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from './button';
import { Dialog } from './dialog';

type ConfirmDialogProps = {
  title: ReactNode;
  /** What happens, and any field the action takes (a reason, a choice of scope). */
  children: ReactNode;
  /** The action, as a verb: "Cancel booking", "Delete", "Remove". */
  confirmLabel: string;
  /** The way back without doing anything; "Back" unless said. */
  cancelLabel?: string;
  onConfirm: () => void;
  onClose: () => void;
  busy?: boolean;
  /** A destructive action (the default) has a red button; a harmless one the primary style. */
  tone?: 'danger' | 'primary';
};

/**
 * The one confirmation for an action that cannot be taken back: a modal dialog (focus trapped,
 * Escape and the way-back button close it, focus returns to the opener) whose focus starts on
 * the first field, or on the way back when there is none, so Enter never confirms by accident.
 */
export function ConfirmDialog({ title, children, confirmLabel, cancelLabel, onConfirm, onClose, busy, tone = 'danger' }: ConfirmDialogProps) {
  const { t } = useTranslation();
  const body = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Runs after the Dialog's own focus move (children's effects run first): override it.
    const field = body.current?.querySelector<HTMLElement>('input, select, textarea');
    const back = body.current?.closest('[role="dialog"]')?.querySelector<HTMLElement>('[data-confirm="back"]');
    (field ?? back)?.focus();
  }, []);
  return (
    <Dialog
      open
      title={title}
      onClose={onClose}
      footer={
        <>
          <Button data-confirm="back" onClick={onClose}>
            {cancelLabel ?? t('common.back')}
          </Button>
          <Button variant={tone} busy={busy} onClick={onConfirm} data-testid="confirm-action">
            {confirmLabel}
          </Button>
        </>
      }
    >
      <div ref={body} className="stack">
        {children}
      </div>
    </Dialog>
  );
}

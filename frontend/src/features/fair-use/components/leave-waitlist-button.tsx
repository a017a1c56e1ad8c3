import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { useLeaveWaitlist } from '../api/waitlist';

type Props = { entryId: string; title: string; onLeft?: () => void };

/** "Leave the line", asked first: whoever rejoins starts again at the back. */
export function LeaveWaitlistButton({ entryId, title, onLeft }: Props) {
  const { t } = useTranslation();
  const leave = useLeaveWaitlist();
  const [asking, setAsking] = useState(false);
  return (
    <>
      <Button size="sm" busy={leave.isPending} onClick={() => setAsking(true)}>
        {t('fairUse.leave')}
      </Button>
      {asking ? (
        <ConfirmDialog
          title={t('confirm.leaveWaitlistTitle', { title })}
          confirmLabel={t('fairUse.leave')}
          busy={leave.isPending}
          onConfirm={() =>
            leave.mutate(entryId, {
              onSuccess: () => {
                setAsking(false);
                onLeft?.();
              },
            })
          }
          onClose={() => setAsking(false)}
        >
          <p>{t('confirm.leaveWaitlistBody')}</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

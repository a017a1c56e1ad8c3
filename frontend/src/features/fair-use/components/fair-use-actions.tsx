import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import type { ReservationRead } from '@/lib/api/types';
import { toast } from '@/lib/toast';
import { useCheckIn, useReleaseReservation } from '../api/reservation-actions';

/** Release now (an active booking) and check in (the owner, around the start). */
export function FairUseActions({ reservation }: { reservation: ReservationRead }) {
  const { t } = useTranslation();
  const release = useReleaseReservation();
  const checkIn = useCheckIn();
  const [releasing, setReleasing] = useState(false);
  const live = reservation.status === 'confirmed' || reservation.status === 'active';
  return (
    <>
      {live && !reservation.checked_in_at ? (
        <Button
          size="sm"
          busy={checkIn.isPending}
          onClick={() => checkIn.mutate(reservation.id, { onSuccess: () => toast.success(t('fairUse.checkedIn')) })}
        >
          {t('fairUse.checkIn')}
        </Button>
      ) : null}
      {reservation.checked_in_at ? <span className="muted">{t('fairUse.isCheckedIn')}</span> : null}
      {reservation.status === 'active' ? (
        <Button
          size="sm"
          busy={release.isPending}
          onClick={() => setReleasing(true)}
        >
          {t('fairUse.release')}
        </Button>
      ) : null}
      {releasing ? (
        <ConfirmDialog
          title={t('confirm.releaseTitle', { title: reservation.title })}
          confirmLabel={t('fairUse.release')}
          busy={release.isPending}
          onConfirm={() =>
            release.mutate(reservation.id, {
              onSuccess: () => {
                toast.success(t('fairUse.released'), { key: `reservation:${reservation.id}` });
                setReleasing(false);
              },
            })
          }
          onClose={() => setReleasing(false)}
        >
          <p>{t('confirm.releaseBody')}</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

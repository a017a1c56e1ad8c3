import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import type { ReservationRead, SeriesScope } from '@/lib/api/types';
import { toast } from '@/lib/toast';
import { useCancelSeries } from '../api/cancel-series';

/** In My reservations, for an occurrence of a series: cancel it, it and the following ones,
 * or the whole series. */
export function SeriesActions({ reservation }: { reservation: ReservationRead }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [scope, setScope] = useState<SeriesScope>('this');
  const cancel = useCancelSeries();
  if (!reservation.series_id) return null;
  const seriesId = reservation.series_id;
  const run = (scope: SeriesScope) =>
    cancel.mutate(
      { seriesId, body: { scope, occurrence_id: scope === 'all' ? null : reservation.id } },
      {
        onSuccess: () => {
          toast.success(t('series.cancelled'));
          setOpen(false);
        },
      },
    );
  return (
    <>
      <span className="badge" data-testid="series-badge">
        {t('series.badge')}
      </span>
      <Link className="btn btn-sm btn-secondary" to={`/series/${seriesId}`}>
        {t('seriesEdit.editLink')}
      </Link>
      <Button size="sm" onClick={() => setOpen(true)}>
        {t('series.cancelSeries')}
      </Button>
      {open ? (
        <ConfirmDialog
          title={t('series.cancelSeries')}
          confirmLabel={t('series.cancelSeries')}
          busy={cancel.isPending}
          onConfirm={() => run(scope)}
          onClose={() => setOpen(false)}
        >
          <fieldset className="choice-list">
            <legend>{t('series.cancelWhich')}</legend>
            {(['this', 'following', 'all'] as const).map((s) => (
              <label key={s} className="check">
                <input type="radio" name="series-scope" value={s} checked={scope === s} onChange={() => setScope(s)} />
                {t(s === 'this' ? 'series.scopeThis' : s === 'following' ? 'series.scopeFollowing' : 'series.scopeAll')}
              </label>
            ))}
          </fieldset>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

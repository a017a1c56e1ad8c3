import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import type { ReservationRead, SeriesScope } from '@/lib/api/types';
import { toast } from '@/lib/toast';
import { useCancelSeries } from '../api/cancel-series';

/** In My reservations, for an occurrence of a series: cancel it, it and the following ones,
 * or the whole series. */
export function SeriesActions({ reservation }: { reservation: ReservationRead }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
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
      <Dialog open={open} title={t('series.cancelSeries')} onClose={() => setOpen(false)}>
          <p>{t('series.cancelWhich')}</p>
          <div className="actions">
            <Button onClick={() => run('this')} busy={cancel.isPending}>
              {t('series.scopeThis')}
            </Button>
            <Button onClick={() => run('following')} busy={cancel.isPending}>
              {t('series.scopeFollowing')}
            </Button>
            <Button variant="danger" onClick={() => run('all')} busy={cancel.isPending}>
              {t('series.scopeAll')}
            </Button>
          </div>
      </Dialog>
    </>
  );
}

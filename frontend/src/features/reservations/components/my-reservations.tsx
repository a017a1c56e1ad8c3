import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Button } from '@/components/ui/button';
import { Pager } from '@/components/ui/pager';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field } from '@/components/ui/field';
import { QueryState } from '@/components/ui/query-state';
import { ProvisioningBadge, StatusBadge } from '@/components/ui/status-badge';
import type { ReservationListItem, ReservationRead } from '@/lib/api/types';
import { formatRange } from '@/lib/i18n';
import { toast } from '@/lib/toast';
import { useSearchParam } from '@/lib/use-search-param';
import { useCancelReservation } from '../api/cancel-reservation';
import { useMyReservations, type ReservationTab } from '../api/get-my-reservations';
import { useUpdateReservation } from '../api/update-reservation';
import { SeriesActions } from './series-actions';

const TABS: ReservationTab[] = ['upcoming', 'active', 'past'];
const TAB_LABELS = { upcoming: 'reservations.upcoming', active: 'reservations.activeTab', past: 'reservations.past' } as const;
const EXTEND_HOURS = [1, 2, 4];

function ResourceName({ reservation }: { reservation: ReservationListItem }) {
  const resource = reservation.resource;
  return (
    <Link to={`/resources/${reservation.resource_id}`}>
      {resource ? <span className="swatch" style={{ background: resource.color }} aria-hidden="true" /> : null}
      {resource?.name ?? '…'}
    </Link>
  );
}

function CancelDialog({ reservation, onClose }: { reservation: ReservationRead; onClose: () => void }) {
  const { t } = useTranslation();
  const cancel = useCancelReservation();
  const [reason, setReason] = useState('');
  const confirm = () =>
    cancel.mutate(
      { reservation, reason },
      {
        onSuccess: () => {
          // Keyed: the live notification about this cancellation adds no second toast, and this
          // one takes the place of that notification's if it came first.
          toast.success(t('reservations.cancelled'), { key: `reservation:${reservation.id}`, replace: true });
          onClose();
        },
      },
    );
  return (
    <ConfirmDialog
      title={t('reservations.cancel')}
      confirmLabel={t('reservations.cancel')}
      busy={cancel.isPending}
      onConfirm={confirm}
      onClose={onClose}
    >
      <p>{t('reservations.cancelConfirm', { title: reservation.title })}</p>
      <Field label={`${t('reservations.reason')} (${t('common.optional')})`}>
        <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
      </Field>
    </ConfirmDialog>
  );
}

function ExtendMenu({ reservation }: { reservation: ReservationRead }) {
  const { t } = useTranslation();
  const update = useUpdateReservation();
  const extend = (hours: number) => {
    const end = new Date(new Date(reservation.end).getTime() + hours * 3_600_000).toISOString();
    update.mutate({ reservation, body: { end } }, { onSuccess: () => toast.success(t('reservations.extended')) });
  };
  return (
    <label className="row">
      <span className="sr-only">
        {t('reservations.extendBy')} — {reservation.title}
      </span>
      <select
        value=""
        disabled={update.isPending}
        onChange={(e) => e.target.value && extend(Number(e.target.value))}
        aria-label={`${t('reservations.extendBy')} — ${reservation.title}`}
      >
        <option value="">{t('reservations.extend')}…</option>
        {EXTEND_HOURS.map((h) => (
          <option key={h} value={h}>
            +{t('reservations.hour', { count: h })}
          </option>
        ))}
      </select>
    </label>
  );
}

function ReservationRow({
  reservation,
  onCancel,
  actions,
}: {
  reservation: ReservationListItem;
  onCancel: () => void;
  actions?: ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const open = ['pending', 'confirmed', 'active'].includes(reservation.status);
  return (
    <li data-testid="reservation-row">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <div className="stack" style={{ minWidth: 0 }}>
          <div className="row">
            <strong>
              <Link to={`/reservations/${reservation.id}`}>{reservation.title}</Link>
            </strong>
            <StatusBadge status={reservation.status} />
          </div>
          <div className="row muted">
            <ResourceName reservation={reservation} />
            <span>{formatRange(reservation.start, reservation.end, i18n.language)}</span>
          </div>
          {Object.keys(reservation.parameters).length ? (
            <div className="muted">
              {Object.entries(reservation.parameters)
                .map(([k, v]) => `${k}=${String(v)}`)
                .join(', ')}
            </div>
          ) : null}
          {reservation.status_reason ? <div className="muted">{reservation.status_reason}</div> : null}
          <div className="row">
            <span className="muted">{t('provisioning.label')}:</span>
            <ProvisioningBadge state={reservation.provisioning.state} message={reservation.provisioning.message} />
          </div>
          {reservation.provisioning.state === 'ready' && typeof reservation.provisioning.details?.login === 'string' ? (
            <div className="row">
              <span className="muted">{t('provisioning.login')}:</span>
              <code data-testid="login-line">{reservation.provisioning.details.login}</code>
            </div>
          ) : null}
        </div>
        {open ? (
          <div className="row">
            {actions}
            {reservation.status !== 'pending' ? <ExtendMenu reservation={reservation} /> : null}
            <SeriesActions reservation={reservation} />
            <Button size="sm" variant="danger" onClick={onCancel}>
              {t('reservations.cancel')}
            </Button>
          </div>
        ) : null}
      </div>
    </li>
  );
}

/** The signed-in user's reservations by phase; live updates arrive through query invalidation.
 * ``rowActions`` adds buttons to each open reservation (composed by the route). */
export function MyReservations({ rowActions }: { rowActions?: (reservation: ReservationListItem) => ReactNode } = {}) {
  const { t } = useTranslation();
  const [tab, setTab] = useSearchParam('tab');
  // Without a chosen tab, open on what matters now: the running bookings if there are any.
  const active = useMyReservations('active');
  const upcoming = useMyReservations('upcoming');
  const fallback: ReservationTab = active.data?.meta.total ? 'active' : 'upcoming';
  const current = (TABS as string[]).includes(tab) ? (tab as ReservationTab) : fallback;
  const [page, setPage] = useState(1);
  const reservations = useMyReservations(current, page);
  const counts: Partial<Record<ReservationTab, number>> = { active: active.data?.meta.total, upcoming: upcoming.data?.meta.total };
  const deciding = !(TABS as string[]).includes(tab) && active.isPending;
  const [cancelling, setCancelling] = useState<ReservationRead | null>(null);

  return (
    <>
      <div className="tabs" role="tablist" aria-label={t('reservations.title')}>
        {TABS.map((name) => (
          <button
            key={name}
            role="tab"
            type="button"
            id={`tab-${name}`}
            aria-selected={current === name}
            aria-controls="reservations-panel"
            onClick={() => {
              setTab(name);
              setPage(1);
            }}
          >
            {t(TAB_LABELS[name])}
            {counts[name] ? <span className="tab-count">{counts[name]}</span> : null}
          </button>
        ))}
      </div>
      <div id="reservations-panel" role="tabpanel" aria-labelledby={`tab-${current}`}>
        {deciding ? null : (
        <QueryState query={reservations}>
          {(data) =>
            data.items.length === 0 ? (
              <p className="empty">{t('reservations.none')}</p>
            ) : (
              <>
                <ul className="list card" style={{ padding: 0 }}>
                  {data.items.map((r) => (
                    <ReservationRow
                      key={r.id}
                      reservation={r}
                      onCancel={() => setCancelling(r)}
                      actions={rowActions?.(r)}
                    />
                  ))}
                </ul>
                <Pager page={page} pages={data.meta.pages} onChange={setPage} label={t('reservations.title')} />
              </>
            )
          }
        </QueryState>
        )}
      </div>
      {cancelling ? <CancelDialog reservation={cancelling} onClose={() => setCancelling(null)} /> : null}
    </>
  );
}

import { lazy, Suspense, useCallback, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Badge } from '@/components/ui/badge';
import { QueryState } from '@/components/ui/query-state';
import { Spinner } from '@/components/ui/spinner';
import { StatusBadge } from '@/components/ui/status-badge';
import { useUser } from '@/lib/auth/auth-context';
import { formatRange } from '@/lib/i18n';
import { useDashboardResources } from '../api/get-dashboard-resources';
import { useFailingWebhooks } from '../api/get-failing-webhooks';
import { usePeriodReservations } from '../api/get-period-reservations';
import { useSiteStats } from '../api/get-site-stats';

const BarChart = lazy(() => import('./bar-chart'));
const DAY = 86_400_000;

export function Dashboard({ site, isAdmin }: { site: string; isAdmin: boolean }) {
  const { t, i18n } = useTranslation();
  const user = useUser();
  const [span] = useState(() => {
    const now = new Date();
    const today = new Date(now);
    today.setHours(0, 0, 0, 0);
    const future = new Date(today);
    future.setDate(future.getDate() + 14);
    return { past: new Date(now.getTime() - 30 * DAY), now, today, future };
  });
  const resources = useDashboardResources(site);
  // Up to now: a booking running now counts with the part already behind it.
  const used = useSiteStats(site, span.past.toISOString(), span.now.toISOString());
  const load = useSiteStats(site, span.today.toISOString(), span.future.toISOString());
  const reservations = usePeriodReservations(site, span.now.toISOString(), span.future.toISOString());
  const failing = useFailingWebhooks(site, isAdmin);
  const names = useMemo(() => new Map((resources.data?.items ?? []).map((r) => [r.id, r.name])), [resources.data]);
  const percent = useCallback(
    (v: number) => new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 0 }).format(v / 100),
    [i18n.language],
  );
  const hours = useCallback(
    (v: number) => new Intl.NumberFormat(i18n.language, { style: 'unit', unit: 'hour', maximumFractionDigits: 1 }).format(v),
    [i18n.language],
  );
  const dayLabel = (date: string) =>
    new Intl.DateTimeFormat(i18n.language, { weekday: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));

  return (
    <div className="grid dashboard">
      <section className="card" aria-labelledby="dash-mine">
        <h2 id="dash-mine">{t('dashboard.myNext')}</h2>
        <QueryState query={reservations}>
          {(items) => {
            const mine = items
              .filter((r) => r.owner_id === user.id && new Date(r.end) > span.now && r.status !== 'completed')
              .sort((a, b) => a.start.localeCompare(b.start))
              .slice(0, 5);
            return mine.length === 0 ? (
              <p className="muted">{t('dashboard.noneMine')}</p>
            ) : (
              <ul className="list">
                {mine.map((r) => (
                  <li key={r.id}>
                    <div className="row">
                      <strong>{r.title}</strong>
                      <StatusBadge status={r.status} />
                    </div>
                    <div className="muted">
                      {names.get(r.resource_id) ?? ''} · {formatRange(r.start, r.end, i18n.language)}
                    </div>
                  </li>
                ))}
              </ul>
            );
          }}
        </QueryState>
      </section>
      <section className="card" aria-labelledby="dash-util">
        <h2 id="dash-util">{t('dashboard.utilisation')}</h2>
        <QueryState query={used}>
          {(stats) => {
            const top = stats.per_resource.slice(0, 8);
            return (
              <>
                <p className="stat-line" data-testid="utilisation-summary">
                  <strong className="stat">{percent(stats.utilisation * 100)}</strong> {t('dashboard.ofCapacity')}
                  {stats.active_now > 0 ? (
                    <Badge tone="success">{t('dashboard.activeNow', { count: stats.active_now })}</Badge>
                  ) : null}
                </p>
                {stats.booked_seconds === 0 ? (
                  <p className="muted">{t('dashboard.noBookingsYet')}</p>
                ) : (
                  <Suspense fallback={<Spinner />}>
                    <BarChart
                      horizontal
                      labels={top.map((r) => r.name)}
                      values={top.map((r) => Math.round(r.utilisation * 1000) / 10)}
                      max={100}
                      valueTitle={t('dashboard.percentOfTime')}
                      format={percent}
                      summary={top.map((r) => `${r.name}: ${percent(r.utilisation * 100)}`).join('; ')}
                      height={Math.max(120, top.length * 30 + 50)}
                    />
                  </Suspense>
                )}
              </>
            );
          }}
        </QueryState>
      </section>
      <section className="card" aria-labelledby="dash-load">
        <h2 id="dash-load">{t('dashboard.upcomingLoad')}</h2>
        <QueryState query={load}>
          {(stats) => (
            <Suspense fallback={<Spinner />}>
              <BarChart
                labels={stats.days.map((d) => dayLabel(d.date))}
                values={stats.days.map((d) => Math.round((d.booked_seconds / 3600) * 10) / 10)}
                valueTitle={t('dashboard.hoursHeld')}
                format={hours}
                summary={stats.days.map((d) => `${dayLabel(d.date)}: ${hours(d.booked_seconds / 3600)}`).join('; ')}
                height={200}
              />
            </Suspense>
          )}
        </QueryState>
      </section>
      {isAdmin ? (
        <section className="card" aria-labelledby="dash-webhooks">
          <h2 id="dash-webhooks">{t('dashboard.failingWebhooks')}</h2>
          {failing.data?.length ? (
            <ul className="list">
              {failing.data.map((w) => (
                <li key={w.id} className="row">
                  <Link to={`/admin/webhooks/${w.id}?site=${site}`}>{w.name}</Link>
                  {w.enabled ? <Badge tone="warning">{t('webhooks.enabled')}</Badge> : <Badge tone="danger">{t('webhooks.disabled')}</Badge>}
                  {w.disabled_reason ? <span className="muted">{w.disabled_reason}</span> : null}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">{t('dashboard.noFailing')}</p>
          )}
        </section>
      ) : null}
    </div>
  );
}

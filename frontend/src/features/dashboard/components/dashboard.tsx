import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Badge } from '@/components/ui/badge';
import { QueryState } from '@/components/ui/query-state';
import { StatusBadge } from '@/components/ui/status-badge';
import { useUser } from '@/lib/auth/auth-context';
import { formatDateTime, formatRange } from '@/lib/i18n';
import { useDashboardResources } from '../api/get-dashboard-resources';
import { useFailingWebhooks } from '../api/get-failing-webhooks';
import { usePeriodReservations } from '../api/get-period-reservations';
import { hoursByResource, hoursPerDay } from '../utils';

const DAY = 86_400_000;

export function Dashboard({ site, isAdmin }: { site: string; isAdmin: boolean }) {
  const { t, i18n } = useTranslation();
  const user = useUser();
  const [span] = useState(() => {
    const today = new Date();
    today.setHours(0, 0, 0, 0);
    return { past: new Date(today.getTime() - 30 * DAY), today, future: new Date(today.getTime() + 14 * DAY), now: new Date() };
  });
  const resources = useDashboardResources(site);
  const reservations = usePeriodReservations(site, span.past.toISOString(), span.future.toISOString());
  const failing = useFailingWebhooks(site, isAdmin);
  const names = useMemo(() => new Map((resources.data?.items ?? []).map((r) => [r.id, r.name])), [resources.data]);

  return (
    <QueryState query={reservations}>
      {(items) => {
        const used = [...hoursByResource(items, span.past, span.today).entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
        const windowHours = (span.today.getTime() - span.past.getTime()) / 3_600_000;
        const load = hoursPerDay(items, span.today, 14);
        const peak = Math.max(1, ...load);
        const mine = items
          .filter((r) => r.owner_id === user.id && new Date(r.end) > span.now && r.status !== 'completed')
          .sort((a, b) => a.start.localeCompare(b.start))
          .slice(0, 5);
        return (
          <div className="grid">
            <section className="card" aria-labelledby="dash-mine">
              <h2 id="dash-mine">{t('dashboard.myNext')}</h2>
              {mine.length === 0 ? (
                <p className="muted">{t('reservations.none')}</p>
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
              )}
            </section>
            <section className="card" aria-labelledby="dash-util">
              <h2 id="dash-util">{t('dashboard.utilisation')}</h2>
              {used.length === 0 ? (
                <p className="muted">{t('common.empty')}</p>
              ) : (
                <div className="bars">
                  {used.map(([id, hours]) => {
                    const pct = Math.min(100, (hours / windowHours) * 100);
                    return (
                      <div key={id} className="bar-row">
                        <span>{names.get(id) ?? id.slice(0, 8)}</span>
                        <div className="bar-track" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)} aria-label={names.get(id) ?? id}>
                          <div className="bar-fill" style={{ width: `${pct}%` }} />
                        </div>
                        <span className="muted">{t('dashboard.hoursBooked', { hours: hours.toFixed(1) })}</span>
                      </div>
                    );
                  })}
                </div>
              )}
            </section>
            <section className="card" aria-labelledby="dash-load">
              <h2 id="dash-load">{t('dashboard.upcomingLoad')}</h2>
              <div className="spark" role="img" aria-label={load.map((h, i) => `${formatDateTime(new Date(span.today.getTime() + i * DAY), i18n.language)}: ${h.toFixed(1)} h`).join('; ')}>
                {load.map((h, i) => (
                  <span key={i} style={{ height: `${(h / peak) * 100}%` }} title={`${h.toFixed(1)} h`} />
                ))}
              </div>
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
      }}
    </QueryState>
  );
}

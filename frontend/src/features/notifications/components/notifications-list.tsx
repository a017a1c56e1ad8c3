import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Button } from '@/components/ui/button';
import { Pager } from '@/components/ui/pager';
import { QueryState } from '@/components/ui/query-state';
import { eventLabel } from '@/lib/humanise';
import { formatDateTime } from '@/lib/i18n';
import { useNotifications } from '../api/get-notifications';
import { useMarkAllRead } from '../api/mark-all-read';
import { useMarkRead } from '../api/mark-read';
import { notificationText } from '../notification-text';

function appLink(href: string): string | null {
  const match = /\/reservations\/[^/]+$/.exec(href);
  return match ? '/reservations' : null;
}

export function NotificationsList() {
  const { t, i18n } = useTranslation();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [page, setPage] = useState(1);
  const notifications = useNotifications({ unread: unreadOnly, page });
  const markRead = useMarkRead();
  const markAll = useMarkAllRead();
  return (
    <>
      <div className="toolbar">
        <label className="check">
          <input
            type="checkbox"
            checked={unreadOnly}
            onChange={(e) => {
              setUnreadOnly(e.target.checked);
              setPage(1);
            }}
          />
          {t('notifications.unreadOnly')}
        </label>
        <Button size="sm" onClick={() => markAll.mutate()} busy={markAll.isPending}>
          {t('notifications.markAllRead')}
        </Button>
      </div>
      <QueryState query={notifications}>
        {(data) =>
          data.items.length === 0 ? (
            <p className="empty">{t('notifications.none')}</p>
          ) : (
            <>
              <ul className="list card" style={{ padding: 0 }}>
                {data.items.map((n) => (
                  <li key={n.id} className={n.read ? '' : 'unread'} data-testid="notification">
                    <div className="row" style={{ justifyContent: 'space-between' }}>
                      <span style={{ flex: '1 1 16rem' }}>{notificationText(n, i18n.language)}</span>
                      {!n.read ? (
                        <Button size="sm" variant="ghost" onClick={() => markRead.mutate(n.id)}>
                          {t('notifications.markRead')}
                        </Button>
                      ) : null}
                    </div>
                    <div className="row muted" style={{ fontSize: '0.85rem' }}>
                      <span>{formatDateTime(n.created_at, i18n.language)}</span>
                      <span>{eventLabel(n.kind)}</span>
                      {(n.links as { rel?: string; href?: string }[])
                        .map((l) => (l.href ? appLink(l.href) : null))
                        .filter((to): to is string => Boolean(to))
                        .slice(0, 1)
                        .map((to) => (
                          <Link key={to} to={to}>
                            {t('notifications.open')}
                          </Link>
                        ))}
                    </div>
                  </li>
                ))}
              </ul>
              <Pager page={page} pages={data.meta.pages} onChange={setPage} label={t('notifications.title')} />
            </>
          )
        }
      </QueryState>
    </>
  );
}

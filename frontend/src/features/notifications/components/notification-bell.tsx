import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Button } from '@/components/ui/button';
import { formatDateTime } from '@/lib/i18n';
import { useNotifications } from '../api/get-notifications';
import { useUnreadCount } from '../api/get-unread-count';
import { useLiveUpdates } from '../api/live-updates';
import { useMarkAllRead } from '../api/mark-all-read';
import { useMarkRead } from '../api/mark-read';
import { notificationText } from '../notification-text';

const POLL_MS = 30_000;

/** Bell with the unread count; opens the latest notifications. Live over SSE, polling as fallback. */
export function NotificationBell() {
  const { t, i18n } = useTranslation();
  const live = useLiveUpdates();
  const unread = useUnreadCount(live === 'live' ? false : POLL_MS);
  const [open, setOpen] = useState(false);
  const latest = useNotifications({ size: 6 }, open);
  const markRead = useMarkRead();
  const markAll = useMarkAllRead();
  const wrap = useRef<HTMLDivElement>(null);
  const count = unread.data ?? 0;

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!wrap.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="bell-wrap" ref={wrap}>
      <button
        type="button"
        className="icon-btn"
        aria-label={t('notifications.bell', { count })}
        aria-expanded={open}
        aria-controls="notification-popover"
        onClick={() => setOpen((v) => !v)}
      >
        <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
          <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        </svg>
        {count > 0 ? (
          <span className="count-dot" aria-hidden="true">
            {count > 99 ? '99+' : count}
          </span>
        ) : null}
      </button>
      {open ? (
        <div id="notification-popover" className="popover" role="region" aria-label={t('notifications.title')}>
          <div className="popover-head">
            <strong>{t('notifications.title')}</strong>
            <span className="muted" style={{ fontSize: '0.8rem' }}>
              {live === 'live' ? t('notifications.live') : t('notifications.offline')}
            </span>
          </div>
          {latest.data?.items.length ? (
            <ul className="list">
              {latest.data.items.map((n) => (
                <li key={n.id} className={n.read ? '' : 'unread'}>
                  <div>{notificationText(n, i18n.language)}</div>
                  <div className="row muted" style={{ fontSize: '0.8rem', justifyContent: 'space-between' }}>
                    <span>{formatDateTime(n.created_at, i18n.language)}</span>
                    {!n.read ? (
                      <button type="button" className="btn btn-ghost btn-sm" onClick={() => markRead.mutate(n.id)}>
                        {t('notifications.markRead')}
                      </button>
                    ) : null}
                  </div>
                </li>
              ))}
            </ul>
          ) : (
            <p className="empty">{latest.isPending ? t('app.loading') : t('notifications.none')}</p>
          )}
          <div className="popover-head" style={{ borderTop: '1px solid var(--border)', borderBottom: 0 }}>
            <Link to="/notifications" onClick={() => setOpen(false)}>
              {t('notifications.open')}
            </Link>
            <Button size="sm" variant="ghost" disabled={count === 0} onClick={() => markAll.mutate()}>
              {t('notifications.markAllRead')}
            </Button>
          </div>
        </div>
      ) : null}
    </div>
  );
}

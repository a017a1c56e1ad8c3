import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { QueryState } from '@/components/ui/query-state';
import { formatRange } from '@/lib/i18n';
import { toast } from '@/lib/toast';
import { useDecide } from '../api/decide';
import { usePending } from '../api/get-pending';

export function ApprovalsQueue({ site }: { site: string }) {
  const { t, i18n } = useTranslation();
  const pending = usePending(site);
  const decide = useDecide();
  const [reasons, setReasons] = useState<Record<string, string>>({});
  return (
    <QueryState query={pending}>
      {(page) =>
        page.items.length === 0 ? (
          <p className="empty">{t('admin.noApprovals')}</p>
        ) : (
          <ul className="list card" style={{ padding: 0 }}>
            {page.items.map((r) => (
              <li key={r.id} data-testid="approval">
                <div className="row" style={{ justifyContent: 'space-between' }}>
                  <div>
                    <strong>{r.title}</strong>
                    <div className="muted">{formatRange(r.start, r.end, i18n.language)}</div>
                    <div className="muted">
                      {Object.entries(r.parameters)
                        .map(([k, v]) => `${k}=${String(v)}`)
                        .join(', ')}
                    </div>
                  </div>
                  <div className="row">
                    <label>
                      <span className="sr-only">
                        {t('reservations.reason')} — {r.title}
                      </span>
                      <input
                        placeholder={t('reservations.reason')}
                        value={reasons[r.id] ?? ''}
                        onChange={(e) => setReasons({ ...reasons, [r.id]: e.target.value })}
                      />
                    </label>
                    <Button
                      size="sm"
                      variant="primary"
                      onClick={() =>
                        decide.mutate(
                          { reservation: r, decision: 'approve', reason: reasons[r.id] },
                          { onSuccess: () => toast.success(t('admin.approved')) },
                        )
                      }
                    >
                      {t('admin.approve')}
                    </Button>
                    <Button
                      size="sm"
                      variant="danger"
                      onClick={() =>
                        decide.mutate(
                          { reservation: r, decision: 'reject', reason: reasons[r.id] },
                          { onSuccess: () => toast.success(t('admin.rejected')) },
                        )
                      }
                    >
                      {t('admin.reject')}
                    </Button>
                  </div>
                </div>
              </li>
            ))}
          </ul>
        )
      }
    </QueryState>
  );
}

import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { QuotaUsage } from '@/lib/api/types';
import { useMyUsage } from '../api/get-my-usage';


function hours(iso: string | null | undefined): number {
  if (!iso) return 0;
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso);
  if (!m) return 0;
  const [, d, h, min, s] = m;
  return Number(d ?? 0) * 24 + Number(h ?? 0) + Number(min ?? 0) / 60 + Number(s ?? 0) / 3600;
}

function lines(item: QuotaUsage, t: TFunction): string[] {
  const out = limits(item, t);
  // A group's quota: whose usage it is (for a total, the group's members together).
  const group = item.group_name;
  return group ? out.map((line) => `${t('fairUse.groupQuota', { name: group })}: ${line}`) : out;
}

function limits(item: QuotaUsage, t: TFunction): string[] {
  const { quota, usage } = item;
  const out: string[] = [];
  if (quota.max_concurrent != null) out.push(t('fairUse.concurrent', { used: usage.held_now, limit: quota.max_concurrent }));
  if (quota.max_resources != null) out.push(t('fairUse.resources', { used: usage.resources_now, limit: quota.max_resources }));
  if (quota.max_future != null) out.push(t('fairUse.future', { used: usage.future, limit: quota.max_future }));
  if (quota.max_booked && quota.booked_window)
    out.push(
      t('fairUse.booked', {
        used: Math.round(hours(usage.booked) * 10) / 10,
        limit: Math.round(hours(quota.max_booked) * 10) / 10,
        window: t(`fairUse.window.${quota.booked_window}` as const),
      }),
    );
  return out;
}

/** The caller's usage against every quota that binds them (shown next to the booking form). */
export function UsagePanel() {
  const { t } = useTranslation();
  const usage = useMyUsage();
  const sites = usage.data?.sites ?? [];
  const binding = sites.filter((s) => s.quotas.length > 0);
  if (!binding.length) return null;
  return (
    <section className="card stack" aria-labelledby="usage-title" data-testid="usage-panel">
      <h2 id="usage-title">{t('fairUse.usageTitle')}</h2>
      {binding.map((site) => (
        <div key={site.site_id} className="stack">
          <strong>{site.site_slug}</strong>
          <ul>
            {site.quotas.flatMap((q) => lines(q, t).map((line) => <li key={`${q.quota.id}-${line}`}>{line}</li>))}
          </ul>
        </div>
      ))}
    </section>
  );
}

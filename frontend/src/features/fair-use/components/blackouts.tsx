import { useTranslation } from 'react-i18next';
import type { BlackoutRead } from '@/lib/api/types';
import { formatRange } from '@/lib/i18n';
import { useBlackouts } from '../api/blackouts';

/** What the calendar shows (its overlay props, by shape). */
type Shown = {
  site: string;
  start: Date;
  end: Date;
  resourceId?: string;
  resourceName: (id: string) => string | undefined;
};
type InDay = Shown & { day: Date; box: (start: Date, end: Date) => { top: number; height: number } | null };

/** Whether a maintenance window concerns what is shown: the whole site, the resource looked
 * at, or any when none is chosen. */
export function concerns(b: BlackoutRead, resourceId: string | undefined): boolean {
  return !resourceId || b.scope === 'site' || b.resource_id === resourceId;
}

function useShownBlackouts({ site, start, end, resourceId }: Shown): BlackoutRead[] {
  const found = useBlackouts({ site, start: start.toISOString(), end: end.toISOString() });
  return (found.data ?? []).filter((b) => concerns(b, resourceId));
}

/** The maintenance windows of the visible range, in words: period, reason, what they hold. */
export function BlackoutLegend(props: Shown) {
  const { t, i18n } = useTranslation();
  const blackouts = useShownBlackouts(props);
  if (!blackouts.length) return null;
  return (
    <div className="callout" data-testid="blackout-list" role="note">
      <strong>{t('fairUse.blackoutsTitle')}</strong>
      <ul>
        {blackouts.map((b) => (
          <li key={b.id}>
            {formatRange(b.start, b.end, i18n.language)} — {b.reason} (
            {b.scope === 'site'
              ? t('fairUse.blackoutSite')
              : t(b.scope === 'subtree' ? 'fairUse.blackoutSubtree' : 'fairUse.blackoutResource', {
                  name: props.resourceName(b.resource_id ?? '') ?? b.resource_id ?? '',
                })}
            )
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Maintenance windows in one day column of the time grid: hatched bands nothing can be booked in. */
export function BlackoutBands(props: InDay) {
  const { t, i18n } = useTranslation();
  const blackouts = useShownBlackouts(props);
  return (
    <>
      {blackouts.map((b) => {
        const box = props.box(new Date(b.start), new Date(b.end));
        if (!box) return null;
        const label = `${t('fairUse.maintenance')}: ${b.reason} — ${formatRange(b.start, b.end, i18n.language)}`;
        return (
          <div
            key={b.id}
            className="cal-blackout"
            data-testid="blackout-band"
            title={label}
            style={{
              position: 'absolute',
              left: 0,
              right: 0,
              top: box.top,
              height: box.height,
              pointerEvents: 'none',
              background: 'repeating-linear-gradient(135deg, rgba(120,120,120,0.25) 0 6px, rgba(120,120,120,0.08) 6px 12px)',
              borderLeft: '3px solid #8a8f98',
              fontSize: '0.75rem',
              overflow: 'hidden',
              padding: '0 0.25rem',
            }}
          >
            <span aria-hidden="true">
              {t('fairUse.maintenance')}: {b.reason}
            </span>
            <span className="sr-only">{label}</span>
          </div>
        );
      })}
    </>
  );
}

import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { PageHeader } from '@/components/ui/page-header';
import { Calendar } from '@/features/calendar/components/calendar';
import { BlackoutBands, BlackoutLegend } from '@/features/fair-use/components/blackouts';
import { SiteSelect, useSelectedSite } from '@/features/sites/components/site-select';

export default function CalendarRoute() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [site, setSite] = useSelectedSite();
  return (
    <>
      <PageHeader title={t('calendar.title')} />
      <div className="toolbar">
        <SiteSelect value={site} onChange={setSite} />
      </div>
      {site ? (
        <Calendar
          site={site}
          Legend={BlackoutLegend}
          DayOverlay={BlackoutBands}
          onSelectSlot={({ resourceId, start, end }) => {
            const params = new URLSearchParams({ site, start: start.toISOString(), end: end.toISOString() });
            if (resourceId) params.set('resource', resourceId);
            navigate(`/book?${params.toString()}`);
          }}
        />
      ) : null}
    </>
  );
}

import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { PageHeader } from '@/components/ui/page-header';
import { Calendar, type CalendarDayOverlayProps, type CalendarOverlayProps } from '@/features/calendar/components/calendar';
import { BlackoutBands, BlackoutLegend } from '@/features/fair-use/components/blackouts';
import { AvailabilityBands, AvailabilityLegend } from '@/features/shared-bookings/components/calendar-availability';
import { SiteSelect, useSelectedSite } from '@/features/sites/components/site-select';

function Legend(props: CalendarOverlayProps) {
  return (
    <>
      <BlackoutLegend {...props} />
      <AvailabilityLegend {...props} />
    </>
  );
}

/** Closed hours under maintenance windows, both under the bookings. */
function DayOverlay(props: CalendarDayOverlayProps) {
  return (
    <>
      <AvailabilityBands {...props} />
      <BlackoutBands {...props} />
    </>
  );
}

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
          Legend={Legend}
          DayOverlay={DayOverlay}
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

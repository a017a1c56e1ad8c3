import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { useUser } from '@/lib/auth/auth-context';
import { formatRange } from '@/lib/i18n';
import { useConflictingReservation, useNextFreeSlot } from '../api/get-conflict';

export type ConflictInfo = { id: string; resource_id?: string; start: string; end: string; status?: string };

type Props = {
  conflict: ConflictInfo;
  /** The resource and period that were asked for. */
  resourceId: string;
  start: string;
  end: string;
  /** The booked type's lead time and teardown grace, in ms. */
  margins: { leadMs: number; graceMs: number };
  resourceName: (id: string) => string | undefined;
  memberName: (id: string) => string | undefined;
  onUseSlot: (start: Date, end: Date) => void;
};

/** What is in the way, in the user's words and time zone, and the next slot that is free. */
export function ConflictPanel({ conflict, resourceId, start, end, margins, resourceName, memberName, onUseSlot }: Props) {
  const { t, i18n } = useTranslation();
  const user = useUser();
  const other = useConflictingReservation(conflict.id || undefined);
  const duration = new Date(end).getTime() - new Date(start).getTime();
  const next = useNextFreeSlot(resourceId, start, duration, margins, true);
  const owner = other.data
    ? other.data.owner_id === user.id
      ? t('booking.conflictYou')
      : memberName(other.data.owner_id)
    : undefined;
  const where = resourceName(conflict.resource_id ?? other.data?.resource_id ?? '') ?? undefined;
  return (
    <div data-testid="conflict-details">
      {conflict.start ? (
        <p>
          {other.data ? <strong>“{other.data.title}”</strong> : t('booking.conflictAnother')}
          {owner ? ` ${t('booking.conflictBy', { name: owner })}` : ''}
          {where ? ` ${t('booking.conflictOn', { name: where })}` : ''}, {formatRange(conflict.start, conflict.end, i18n.language)}
        </p>
      ) : null}
      {next.data ? (
        <p className="row">
          <span>{t('booking.nextFree', { range: formatRange(next.data.start.toISOString(), next.data.end.toISOString(), i18n.language) })}</span>
          <Button size="sm" onClick={() => onUseSlot(next.data!.start, next.data!.end)}>
            {t('booking.useNextFree')}
          </Button>
        </p>
      ) : next.isSuccess ? (
        <p className="muted">{t('booking.noFreeSlot')}</p>
      ) : null}
    </div>
  );
}

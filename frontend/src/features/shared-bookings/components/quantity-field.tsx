import { useTranslation } from 'react-i18next';
import { Field } from '@/components/ui/field';
import { formatRange } from '@/lib/i18n';
import { useFreeUnits } from '../api/availability';

/** How many units of a pooled resource to book, with the units still free over the period. */
export function QuantityField({
  resourceId,
  capacity,
  start,
  end,
  value,
  onChange,
  error,
}: {
  resourceId: string;
  capacity: number;
  start: string;
  end: string;
  value: number;
  onChange: (value: number) => void;
  error?: string | undefined;
}) {
  const { t, i18n } = useTranslation();
  const free = useFreeUnits(resourceId, start, end, capacity > 1);
  const fewest = free.data ? Math.min(...free.data.spans.map((s) => s.free)) : undefined;
  const tight = free.data?.spans.filter((s) => s.free < value) ?? [];
  return (
    <div>
      <Field
        label={t('sharedBookings.quantity')}
        hint={
          fewest === undefined
            ? t('sharedBookings.capacity', { count: capacity })
            : t('sharedBookings.freeUnits', { free: fewest, count: capacity })
        }
        error={error}
        required
      >
        <input
          type="number"
          min={1}
          max={capacity}
          value={value}
          onChange={(e) => onChange(Math.max(1, Math.min(capacity, Number(e.target.value) || 1)))}
        />
      </Field>
      {tight.length > 0 ? (
        <p className="callout callout-warning" role="status">
          {t('sharedBookings.notEnough', {
            when: tight.map((s) => `${formatRange(s.start, s.end, i18n.language)} (${s.free})`).join('; '),
          })}
        </p>
      ) : null}
    </div>
  );
}

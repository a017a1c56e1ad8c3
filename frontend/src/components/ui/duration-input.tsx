import type { Ref } from 'react';
import { useTranslation } from 'react-i18next';

const UNITS = [
  { unit: 'D', seconds: 86_400 },
  { unit: 'H', seconds: 3_600 },
  { unit: 'M', seconds: 60 },
  { unit: 'S', seconds: 1 },
] as const;
type Unit = (typeof UNITS)[number]['unit'];

/** An ISO 8601 duration as an amount in its largest whole unit (PT90M -> 90 minutes, PT2H -> 2 hours). */
export function splitDuration(iso: string): { amount: string; unit: Unit } {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
  if (!iso || !m) return { amount: '', unit: 'H' };
  const seconds = Number(m[1] ?? 0) * 86_400 + Number(m[2] ?? 0) * 3_600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  if (seconds === 0) return { amount: '0', unit: 'M' };
  const best = UNITS.find((u) => seconds % u.seconds === 0)!;
  return { amount: String(seconds / best.seconds), unit: best.unit };
}

/** Amount and unit back to ISO 8601 ('' when the amount is empty). */
export function joinDuration(amount: string, unit: Unit): string {
  if (amount.trim() === '') return '';
  const n = Math.max(0, Math.round(Number(amount)));
  if (!Number.isFinite(n)) return '';
  return unit === 'D' ? `P${n}D` : `PT${n}${unit}`;
}

type Props = {
  /** The amount's input (a form library focuses it on an error). */
  ref?: Ref<HTMLInputElement>;
  value: string;
  onChange: (iso: string) => void;
  id?: string;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string;
  'aria-required'?: boolean;
};

/** A duration as "amount + unit" instead of an ISO 8601 string; the value stays ISO. */
export function DurationInput({ ref, value, onChange, id, ...aria }: Props) {
  const { t } = useTranslation();
  const { amount, unit } = splitDuration(value);
  return (
    <span className="duration-input">
      <input ref={ref} id={id} type="number" min={0} step={1} inputMode="numeric" value={amount} onChange={(e) => onChange(joinDuration(e.target.value, unit))} {...aria} />
      <select aria-label={t('duration.unit')} value={unit} onChange={(e) => onChange(joinDuration(amount || '0', e.target.value as Unit))}>
        {UNITS.map((u) => (
          <option key={u.unit} value={u.unit}>
            {t(`duration.${u.unit}`)}
          </option>
        ))}
      </select>
    </span>
  );
}

import { useTranslation } from 'react-i18next';
import { Badge, type Tone } from './badge';

const STATUS_TONES: Record<string, Tone> = {
  pending: 'warning',
  confirmed: 'info',
  active: 'success',
  completed: 'neutral',
  cancelled: 'neutral',
  rejected: 'danger',
  failed: 'danger',
  maintenance: 'warning',
  retired: 'neutral',
};

const PROVISIONING_TONES: Record<string, Tone> = {
  pending: 'neutral',
  in_progress: 'info',
  ready: 'success',
  failed: 'danger',
  released: 'neutral',
};

/** A reservation or resource status, coloured and translated. */
export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  const label = t(`status.${status}` as 'status.active', { defaultValue: status });
  return <Badge tone={STATUS_TONES[status] ?? 'neutral'}>{label}</Badge>;
}

export function ProvisioningBadge({ state, message }: { state: string; message?: string | null }) {
  const { t } = useTranslation();
  const label = t(`provisioning.${state}` as 'provisioning.ready', { defaultValue: state });
  return (
    <span title={message ?? undefined}>
      <Badge tone={PROVISIONING_TONES[state] ?? 'neutral'}>{label}</Badge>
      {message ? <span className="muted"> {message}</span> : null}
    </span>
  );
}

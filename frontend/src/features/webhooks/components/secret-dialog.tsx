import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';

/** Shows a signing secret once, with a copy button; it cannot be closed by a stray click. */
export function SecretDialog({ secret, onClose }: { secret: string; onClose: () => void }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      // Clipboard refused (permissions): the secret stays selectable in the dialog.
      setCopied(false);
    }
  };
  return (
    <Dialog
      open
      dismissable={false}
      title={t('webhooks.secretTitle')}
      onClose={onClose}
      footer={
        <Button variant="primary" onClick={onClose}>
          {t('common.close')}
        </Button>
      }
    >
      <p className="callout callout-warning">{t('webhooks.secretOnce')}</p>
      <div className="secret">
        <code data-testid="webhook-secret">{secret}</code>
        <Button size="sm" onClick={() => void copy()} aria-live="polite">
          {copied ? t('common.copied') : t('common.copy')}
        </Button>
      </div>
    </Dialog>
  );
}

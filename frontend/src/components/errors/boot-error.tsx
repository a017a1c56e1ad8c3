import { useTranslation } from 'react-i18next';
import { ConfigError } from '@/config/env';

/** Shown instead of the app when it cannot start: bad runtime configuration or no identity provider. */
export function BootError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  const isConfig = error instanceof ConfigError;
  return (
    <main className="boot-error" role="alert">
      <h1>{isConfig ? t('errors.configTitle') : t('errors.authTitle')}</h1>
      <p>{isConfig ? t('errors.configDetail') : t('errors.authDetail')}</p>
      {isConfig ? (
        <ul>
          {error.issues.map((issue) => (
            <li key={issue}>
              <code>{issue}</code>
            </li>
          ))}
        </ul>
      ) : (
        <pre>{error instanceof Error ? error.message : String(error)}</pre>
      )}
      <button type="button" className="btn btn-primary" onClick={() => window.location.reload()}>
        {t('common.retry')}
      </button>
    </main>
  );
}

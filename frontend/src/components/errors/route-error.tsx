import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ApiError } from '@/lib/api/problem';

/** Per-route error boundary: the rest of the app (navigation, other pages) keeps working. */
export function RouteError() {
  const error = useRouteError();
  const { t } = useTranslation();
  let title: string = t('errors.title');
  let detail: string | undefined;
  if (isRouteErrorResponse(error) && error.status === 404) {
    title = t('errors.notFound');
    detail = t('errors.notFoundDetail');
  } else if (error instanceof ApiError) {
    title = error.status === 403 ? t('errors.forbidden') : (error.problem.title ?? title);
    detail = error.problem.detail;
  } else if (error instanceof Error) {
    detail = error.message;
  }
  return (
    <section className="error-panel" role="alert">
      <h1>{title}</h1>
      {detail ? <p>{detail}</p> : null}
      <p>
        <Link to="/">{t('errors.goHome')}</Link>
      </p>
    </section>
  );
}

export function NotFound() {
  const { t } = useTranslation();
  return (
    <section className="error-panel">
      <h1>{t('errors.notFound')}</h1>
      <p>{t('errors.notFoundDetail')}</p>
      <p>
        <Link to="/">{t('errors.goHome')}</Link>
      </p>
    </section>
  );
}

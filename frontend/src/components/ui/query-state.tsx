import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '@/lib/api/problem';
import { Button } from './button';
import { Spinner } from './spinner';

/** Renders loading and error states of a query, and the children once data is there. */
export function QueryState<T>({ query, children }: { query: UseQueryResult<T>; children: (data: T) => ReactNode }) {
  const { t } = useTranslation();
  if (query.isPending) return <Spinner />;
  if (query.isError) {
    const error = query.error;
    return (
      <div className="callout callout-danger" role="alert">
        <strong>{error instanceof ApiError ? (error.problem.title ?? t('errors.title')) : t('errors.network')}</strong>
        {error instanceof ApiError && error.problem.detail ? <p>{error.problem.detail}</p> : null}
        <Button size="sm" onClick={() => void query.refetch()}>
          {t('common.retry')}
        </Button>
      </div>
    );
  }
  return <>{children(query.data)}</>;
}

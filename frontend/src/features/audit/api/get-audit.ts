import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export type AuditFilters = { site?: string; entity?: string; actor?: string; since?: string; until?: string; page?: number };

export function getAudit({ site, entity, actor, since, until, page = 1 }: AuditFilters) {
  return unwrap(
    api().GET('/audit', {
      params: {
        query: {
          site: site || undefined,
          entity: entity || undefined,
          actor: actor || undefined,
          since: since || undefined,
          until: until || undefined,
          page,
          size: 25,
        },
      },
    }),
  );
}

export function getAuditQueryOptions(filters: AuditFilters) {
  return queryOptions({ queryKey: ['audit', filters], queryFn: () => getAudit(filters), placeholderData: keepPreviousData });
}

export function useAudit(filters: AuditFilters) {
  return useQuery(getAuditQueryOptions(filters));
}

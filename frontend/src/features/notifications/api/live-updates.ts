import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { getEnv } from '@/config/env';
import { openEventStream, type ServerEvent } from '@/lib/sse';
import { toast } from '@/lib/toast';
import { notificationText } from '../notification-text';

/** The per-user stream of notifications and reservation changes. */
export function liveUpdatesUrl(): string {
  return `${getEnv().API_URL}/events/stream`;
}

export type LiveState = 'connecting' | 'live' | 'offline' | 'unavailable';

/** The toast key of what a notification is about: the reservation it links to, if any. */
export function subjectKey(links: unknown): string | undefined {
  if (!Array.isArray(links)) return undefined;
  for (const link of links as { rel?: unknown; href?: unknown }[]) {
    const match = typeof link?.href === 'string' ? /\/reservations\/([^/?#]+)$/.exec(link.href) : null;
    if (match) return `reservation:${match[1]}`;
  }
  return undefined;
}

/** The toast of a `notification` event: its text in the user's language and what it is about. */
export function notificationToast(event: ServerEvent): { message?: string; key?: string } {
  try {
    const data = JSON.parse(event.data) as { kind?: unknown; message?: unknown; params?: unknown; links?: unknown };
    if (typeof data.message !== 'string') return { key: subjectKey(data.links) };
    const params = data.params && typeof data.params === 'object' ? (data.params as Record<string, unknown>) : {};
    const kind = typeof data.kind === 'string' ? data.kind : '';
    // The occurrences of a series just booked share one toast: the series' own.
    const key = typeof params.series_id === 'string' ? `series:${params.series_id}` : subjectKey(data.links);
    return { message: notificationText({ kind, message: data.message, params }), key };
  } catch {
    return {};
  }
}

/**
 * Keeps notification and reservation queries fresh from Server-Sent Events: every event
 * invalidates what it may have changed, so open pages refetch only what is on screen.
 */
export function useLiveUpdates(): LiveState {
  const queryClient = useQueryClient();
  // A fetch already in flight may predate the event: cancel it so the refetch sees the change.
  const refresh = useCallback(
    (queryKey: string[]) =>
      void queryClient.cancelQueries({ queryKey }).then(() => queryClient.invalidateQueries({ queryKey })),
    [queryClient],
  );
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    const stream = openEventStream({
      url: liveUpdatesUrl(),
      onStatus: (live) => setState(live ? 'live' : 'offline'),
      onUnavailable: () => setState('unavailable'),
      onEvent: (event) => {
        if (event.event.startsWith('reservation')) {
          refresh(['reservations']);
          return;
        }
        if (event.event === 'notification') {
          const { message, key } = notificationToast(event);
          if (message) toast.info(message, { key });
        }
        refresh(['notifications']);
        refresh(['reservations']);
      },
    });
    return () => stream.close();
  }, [refresh]);
  return state;
}

import { authFetch } from './api/client';

export type ServerEvent = { event: string; data: string; id?: string };

/** Splits a text/event-stream into events (WHATWG rules: blank line ends an event). */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  feed(chunk: string): ServerEvent[] {
    this.buffer += chunk;
    const out: ServerEvent[] = [];
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + (this.buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (this.data.length) out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
        this.event = '';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
      else if (field === 'id') this.id = value;
    }
    return out;
  }
}

export type StreamHandle = { close(): void };

type StreamOptions = {
  url: string;
  onEvent: (event: ServerEvent) => void;
  onStatus?: (live: boolean) => void;
  /** The endpoint does not exist (404/405): no retry. */
  onUnavailable?: () => void;
  retryMs?: number;
  maxRetryMs?: number;
};

/**
 * Server-Sent Events over fetch, so the bearer token travels in the Authorization header (an
 * EventSource cannot send one). Reconnects with backoff and resumes from the last event id.
 */
export function openEventStream({ url, onEvent, onStatus, onUnavailable, retryMs = 1000, maxRetryMs = 30_000 }: StreamOptions): StreamHandle {
  const controller = new AbortController();
  let delay = retryMs;
  let lastId: string | undefined;

  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const headers: Record<string, string> = { Accept: 'text/event-stream' };
        if (lastId) headers['Last-Event-ID'] = lastId;
        const response = await authFetch(new Request(url, { headers, signal: controller.signal }));
        if (response.status === 404 || response.status === 405) {
          onUnavailable?.();
          return;
        }
        if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
        onStatus?.(true);
        delay = retryMs;
        const parser = new SseParser();
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const event of parser.feed(value)) {
            if (event.id) lastId = event.id;
            onEvent(event);
          }
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      onStatus?.(false);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, maxRetryMs);
    }
  };
  void run();
  return { close: () => controller.abort() };
}

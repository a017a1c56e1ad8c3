/**
 * The first start at or after `from` where a booking of `durationMs` fits between the busy
 * periods (which the server already widens by the holders' lead time and teardown grace). The
 * new booking holds its own `leadMs` before and `graceMs` after, so those must fit too.
 */
export function nextFreeSlot(
  busy: { start: string; end: string }[],
  from: Date,
  durationMs: number,
  until: Date,
  { leadMs = 0, graceMs = 0 }: { leadMs?: number; graceMs?: number } = {},
): { start: Date; end: Date } | null {
  const spans = busy
    .map((b) => ({ start: new Date(b.start).getTime(), end: new Date(b.end).getTime() }))
    .sort((a, b) => a.start - b.start);
  const held = leadMs + durationMs + graceMs;
  let candidate = from.getTime() - leadMs; // where the held span starts
  for (const span of spans) {
    if (span.end <= candidate) continue;
    if (span.start >= candidate + held) break;
    candidate = span.end;
  }
  const start = candidate + leadMs;
  if (start + durationMs > until.getTime()) return null;
  return { start: new Date(start), end: new Date(start + durationMs) };
}

export type * from './schema';

export type PageParams = { page?: number; size?: number };

/** A JSON document as the API takes it (parameters, attributes, schemas). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** ISO 8601 durations as the API sends them ("PT15M", "P1DT2H"), in milliseconds. */
export function durationMs(iso: string | null | undefined): number {
  if (!iso) return 0;
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso);
  if (!m) return 0;
  const [, d, h, min, s] = m.map((v) => Number(v ?? 0));
  return ((d! * 24 + h!) * 60 + min!) * 60_000 + s! * 1000;
}

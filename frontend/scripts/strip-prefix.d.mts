export function stripPrefix<T extends { paths?: Record<string, unknown> }>(doc: T, prefix: string): T;

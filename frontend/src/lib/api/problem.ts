/** RFC 9457 problem details as the API sends them, with optional field errors. */
export type Problem = {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  errors?: unknown;
  [key: string]: unknown;
};

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  /** Field errors keyed by the form field name (`parameters.vlan_id` for nested values). */
  readonly fieldErrors: Record<string, string>;

  constructor(status: number, problem: Problem) {
    super(problem.detail ?? problem.title ?? `Request failed with status ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.fieldErrors = fieldErrorsOf(problem);
  }

  get isConflict(): boolean {
    return this.status === 409;
  }
}

function pathOf(entry: Record<string, unknown>): string | undefined {
  const raw = entry.pointer ?? entry.loc ?? entry.field ?? entry.name ?? entry.path;
  if (Array.isArray(raw)) {
    const parts = raw.map(String);
    while (parts[0] === 'body' || parts[0] === 'query' || parts[0] === 'path') parts.shift();
    return parts.join('.');
  }
  if (typeof raw === 'string') {
    return raw.replace(/^#?\/?/, '').replace(/^body\//, '').split('/').join('.');
  }
  return undefined;
}

function messageOf(entry: Record<string, unknown>): string {
  const raw = entry.detail ?? entry.msg ?? entry.message ?? entry.title;
  return typeof raw === 'string' ? raw : 'Invalid value';
}

/** Accepts the common field error shapes: a list of {pointer|loc|field, detail|msg} or a map. */
export function fieldErrorsOf(problem: Problem): Record<string, string> {
  const out: Record<string, string> = {};
  const errors = problem.errors ?? problem.invalid_params ?? problem.fields;
  if (Array.isArray(errors)) {
    for (const item of errors) {
      if (item && typeof item === 'object') {
        const entry = item as Record<string, unknown>;
        const path = pathOf(entry);
        if (path !== undefined && !(path in out)) out[path] = messageOf(entry);
      }
    }
  } else if (errors && typeof errors === 'object') {
    for (const [key, value] of Object.entries(errors as Record<string, unknown>)) {
      out[key] = Array.isArray(value) ? value.map(String).join(' ') : String(value);
    }
  }
  return out;
}

export async function problemFromResponse(response: Response): Promise<Problem> {
  const text = await response.text().catch(() => '');
  if (text) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object') return parsed as Problem;
    } catch {
      // Not JSON: fall through to a generic problem carrying the text.
    }
  }
  return { status: response.status, title: response.statusText || 'Request failed', detail: text || undefined };
}

import createClient, { type Client } from 'openapi-fetch';
import { getEnv } from '@/config/env';
import { ApiError, problemFromResponse, type Problem } from './problem';
import type { paths } from './schema';

/** What the API client needs from the signed-in session. */
export type TokenSource = {
  getToken(): Promise<string>;
  renew(): Promise<boolean>;
  login(): Promise<void>;
};

let tokens: TokenSource | null = null;
let client: Client<paths> | null = null;

export function setTokenSource(source: TokenSource | null): void {
  tokens = source;
}

async function send(request: Request): Promise<Response> {
  if (tokens) request.headers.set('Authorization', `Bearer ${await tokens.getToken()}`);
  return fetch(request);
}

/** Adds the bearer token; on a 401 renews the token once and retries, then sends to login. */
export async function authFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const first = await send(input);
  if (first.status !== 401 || !tokens) return first;
  if (await tokens.renew()) {
    const second = await send(retry);
    if (second.status !== 401) return second;
  }
  await tokens.login();
  return first;
}

export function api(): Client<paths> {
  client ??= createClient<paths>({ baseUrl: getEnv().API_URL, fetch: authFetch });
  return client;
}

export function resetApiClient(): void {
  client = null;
}

type FetchResult<T> = { data?: T; error?: unknown; response: Response };

/** The data of a successful response, or an {@link ApiError} carrying the problem details. */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const problem =
      error && typeof error === 'object' ? (error as Problem) : await problemFromResponse(response);
    throw new ApiError(response.status, problem);
  }
  return data as T;
}

/** Like {@link unwrap} and also returns the ETag needed for a later If-Match update. */
export async function unwrapWithEtag<T>(call: Promise<FetchResult<T>>): Promise<{ data: T; etag: string }> {
  const result = await call;
  const data = await unwrap(Promise.resolve(result));
  return { data, etag: result.response.headers.get('ETag') ?? '' };
}

export function idempotencyKey(): string {
  return crypto.randomUUID();
}

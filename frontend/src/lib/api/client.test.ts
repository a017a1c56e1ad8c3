import { API, http, HttpResponse, problem, server } from '@/testing/server';
import { authFetch, setTokenSource, unwrap } from './client';
import { ApiError } from './problem';

function tokens(initial: string, renewed: string | null) {
  let current = initial;
  const calls = { renew: 0, login: 0 };
  setTokenSource({
    getToken: async () => current,
    renew: async () => {
      calls.renew += 1;
      if (renewed === null) return false;
      current = renewed;
      return true;
    },
    login: async () => {
      calls.login += 1;
    },
  });
  return calls;
}

describe('authenticated fetch', () => {
  it('sends the bearer token', async () => {
    tokens('t1', 't2');
    server.use(http.get(`${API}/ping`, ({ request }) => HttpResponse.json({ auth: request.headers.get('Authorization') })));
    const response = await authFetch(new Request(`${API}/ping`));
    expect(await response.json()).toEqual({ auth: 'Bearer t1' });
  });

  it('renews the token once after a 401 and retries the same request with its body', async () => {
    const calls = tokens('stale', 'fresh');
    const seen: string[] = [];
    server.use(
      http.post(`${API}/echo`, async ({ request }) => {
        seen.push(request.headers.get('Authorization') ?? '');
        if (request.headers.get('Authorization') === 'Bearer stale') return problem(401, { title: 'Authentication required' });
        return HttpResponse.json(await request.json());
      }),
    );
    const response = await authFetch(new Request(`${API}/echo`, { method: 'POST', body: JSON.stringify({ a: 1 }) }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ a: 1 });
    expect(seen).toEqual(['Bearer stale', 'Bearer fresh']);
    expect(calls).toEqual({ renew: 1, login: 0 });
  });

  it('sends the user to login when the renewed token is refused too', async () => {
    const calls = tokens('a', 'b');
    server.use(http.get(`${API}/x`, () => problem(401, {})));
    const response = await authFetch(new Request(`${API}/x`));
    expect(response.status).toBe(401);
    expect(calls).toEqual({ renew: 1, login: 1 });
  });

  it('sends the user to login when the session cannot be renewed', async () => {
    const calls = tokens('a', null);
    server.use(http.get(`${API}/x`, () => problem(401, {})));
    await authFetch(new Request(`${API}/x`));
    expect(calls).toEqual({ renew: 1, login: 1 });
  });
});

describe('unwrap', () => {
  it('turns a problem+json response into an ApiError with field errors keyed by field', async () => {
    const response = new Response('', { status: 422 });
    const error = {
      type: 'urn:reservation:problem:validation-error',
      title: 'Invalid request',
      detail: 'parameters.vlan_id: must be <= 4094',
      errors: [
        { loc: ['body', 'parameters', 'vlan_id'], msg: 'must be <= 4094', type: 'value_error' },
        { loc: ['body', 'title'], msg: 'required', type: 'missing' },
      ],
    };
    const promise = unwrap(Promise.resolve({ error, response }));
    await expect(promise).rejects.toBeInstanceOf(ApiError);
    const thrown = (await promise.catch((e: unknown) => e)) as ApiError;
    expect(thrown.status).toBe(422);
    expect(thrown.fieldErrors).toEqual({ 'parameters.vlan_id': 'must be <= 4094', title: 'required' });
    expect(thrown.message).toBe('parameters.vlan_id: must be <= 4094');
  });

  it('reads a non-JSON error body as the detail', async () => {
    const response = new Response('gateway down', { status: 502, statusText: 'Bad Gateway' });
    const thrown = (await unwrap(Promise.resolve({ response })).catch((e: unknown) => e)) as ApiError;
    expect(thrown.status).toBe(502);
    expect(thrown.problem.detail).toBe('gateway down');
  });
});

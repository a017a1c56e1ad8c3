import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';

export const API = 'http://api.test/api/v1';
export const server = setupServer();

export function problem(status: number, body: Record<string, unknown>) {
  return HttpResponse.json(
    { type: `urn:reservation:problem:${status}`, title: 'Error', status, ...body },
    { status, headers: { 'Content-Type': 'application/problem+json' } },
  );
}

export { http, HttpResponse };

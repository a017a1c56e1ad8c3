import { screen, waitFor, within } from '@testing-library/react';
import { fakeSession, renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, problem, server } from '@/testing/server';
import { parseAttributes } from './edit-resource-dialog';
import { ResourceDetail } from './resource-detail';

function resource(id: string, name: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    site_id: 'site-1',
    type_id: 'rt-sw',
    parent_id: null,
    name,
    description: '',
    location: 'Room 1',
    attributes: {},
    status: 'active',
    created_at: '2030-01-01T00:00:00Z',
    updated_at: '2030-01-01T00:00:00Z',
    ...extra,
  };
}

const site = (myRole: string) => ({
  id: 'site-1',
  name: 'Lab',
  slug: 'lab',
  description: '',
  visibility: 'private',
  my_role: myRole,
  version: 1,
  created_at: '2030-01-01T00:00:00Z',
  updated_at: '2030-01-01T00:00:00Z',
});

function serve(myRole: string) {
  let sw = resource('res-sw', 'Switch 7', { attributes: { ports: 48 } });
  const rack = resource('res-rack', 'Rack A');
  const patches: Record<string, unknown>[] = [];
  server.use(
    http.get(`${API}/resources/res-sw`, () => HttpResponse.json(sw)),
    http.get(`${API}/resources/res-rack`, () => HttpResponse.json(rack)),
    http.get(`${API}/sites/site-1`, () => HttpResponse.json(site(myRole))),
    http.get(`${API}/sites/site-1/resource-types`, () => HttpResponse.json({ items: [], meta: { page: 1, size: 100, total: 0, pages: 0 } })),
    http.get(`${API}/sites/site-1/resources`, () => HttpResponse.json({ items: [rack, sw], meta: { page: 1, size: 100, total: 2, pages: 1 } })),
    http.get(`${API}/reservations`, () => HttpResponse.json({ items: [], meta: { page: 1, size: 20, total: 0, pages: 0 } })),
    http.patch(`${API}/resources/res-sw`, async ({ request }) => {
      const body = (await request.json()) as Record<string, unknown>;
      patches.push(body);
      if (body.name === 'taken') {
        return problem(422, { detail: 'name already used', errors: [{ loc: ['body', 'name'], msg: 'already used in this site', type: 'value_error' }] });
      }
      sw = { ...sw, ...body };
      return HttpResponse.json(sw);
    }),
  );
  return patches;
}

describe('resource editing', () => {
  it('lets a site admin put a resource into maintenance under a new parent with new attributes', async () => {
    const patches = serve('site-admin');
    const { user } = renderWithApp(<ResourceDetail id="res-sw" />, { session: fakeSession() });
    await user.click(await screen.findByRole('button', { name: 'Edit' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit resource' });
    expect(within(dialog).getByLabelText(/^Attributes/)).toHaveValue(JSON.stringify({ ports: 48 }, null, 2));

    await user.clear(within(dialog).getByLabelText(/^Name/));
    await user.type(within(dialog).getByLabelText(/^Name/), 'taken');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText('already used in this site')).toBeInTheDocument();

    await user.clear(within(dialog).getByLabelText(/^Name/));
    await user.type(within(dialog).getByLabelText(/^Name/), 'Switch 7b');
    await user.clear(within(dialog).getByLabelText(/^Attributes/));
    await user.type(within(dialog).getByLabelText(/^Attributes/), '[[1]');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText('Attributes must be a JSON object.')).toBeInTheDocument();
    expect(patches).toHaveLength(1);

    await user.clear(within(dialog).getByLabelText(/^Attributes/));
    await user.type(within(dialog).getByLabelText(/^Attributes/), '{{"ports": 24}');
    await user.clear(within(dialog).getByLabelText(/^Location/));
    await user.type(within(dialog).getByLabelText(/^Location/), 'Room 2');
    await user.selectOptions(within(dialog).getByLabelText(/^Status/), 'maintenance');
    const parent = within(dialog).getByLabelText(/^Parent/);
    await waitFor(() => expect(within(parent).getByRole('option', { name: 'Rack A' })).toBeInTheDocument());
    expect(within(parent).queryByRole('option', { name: 'Switch 7' })).toBeNull();
    await user.selectOptions(parent, 'res-rack');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));

    expect(await screen.findByText('Resource saved')).toBeInTheDocument();
    expect(patches[1]).toEqual({
      name: 'Switch 7b',
      description: '',
      location: 'Room 2',
      status: 'maintenance',
      parent_id: 'res-rack',
      attributes: { ports: 24 },
    });
    expect(await screen.findByRole('heading', { name: 'Switch 7b' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Rack A' })).toBeInTheDocument();
  });

  it('offers no edit action to a plain member of the site', async () => {
    serve('member');
    renderWithApp(<ResourceDetail id="res-sw" />, { session: fakeSession() });
    expect(await screen.findByRole('heading', { name: 'Switch 7' })).toBeInTheDocument();
    await screen.findByText('No upcoming bookings.');
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
  });

  it('accepts only a JSON object as attributes', () => {
    expect(parseAttributes('')).toEqual({ value: {} });
    expect(parseAttributes('{"a": 1}')).toEqual({ value: { a: 1 } });
    expect(parseAttributes('null')).toEqual({ error: 'not an object' });
    expect(parseAttributes('{')).toHaveProperty('error');
  });
});

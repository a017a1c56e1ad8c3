import { screen, waitFor, within } from '@testing-library/react';
import { fakeSession, renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, problem, server } from '@/testing/server';
import { SitesAdmin } from './sites-admin';

describe('sites admin', () => {
  it('edits a site with If-Match and asks to redo an edit that raced another one', async () => {
    let current = {
      id: 'site-1',
      name: 'Lab North',
      slug: 'lab-north',
      description: '',
      visibility: 'private',
      my_role: 'site-admin',
      version: 3,
      created_at: '2030-01-01T00:00:00Z',
      updated_at: '2030-01-01T00:00:00Z',
    };
    const patches: { ifMatch: string | null; body: Record<string, unknown> }[] = [];
    server.use(
      http.get(`${API}/sites`, () => HttpResponse.json({ items: [current], meta: { page: 1, size: 100, total: 1, pages: 1 } })),
      http.get(`${API}/sites/site-1`, () => HttpResponse.json(current)),
      http.get(`${API}/sites/site-1/members`, () => HttpResponse.json({ items: [], meta: { page: 1, size: 100, total: 0, pages: 0 } })),
      http.patch(`${API}/sites/site-1`, async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        const ifMatch = request.headers.get('If-Match');
        patches.push({ ifMatch, body });
        if (ifMatch !== `"${current.version}"`) return problem(412, { detail: 'version mismatch' });
        current = { ...current, ...body, version: current.version + 1 };
        return HttpResponse.json(current);
      }),
    );
    const { user } = renderWithApp(<SitesAdmin site="site-1" onSiteChange={vi.fn()} />, { session: fakeSession({ roles: ['platform-admin'] }) });

    await user.click(await screen.findByRole('button', { name: 'Edit site' }));
    // Someone else saves the site while this form is open.
    current = { ...current, description: 'changed elsewhere', version: 4 };
    let dialog = screen.getByRole('dialog', { name: 'Edit site' });
    await user.clear(within(dialog).getByLabelText(/^Name/));
    await user.type(within(dialog).getByLabelText(/^Name/), 'Lab North East');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText(/Someone else changed this/)).toBeInTheDocument();
    expect(patches[0]?.ifMatch).toBe('"3"');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));

    await user.click(screen.getByRole('button', { name: 'Edit site' }));
    dialog = screen.getByRole('dialog', { name: 'Edit site' });
    await waitFor(() => expect(within(dialog).getByLabelText(/^Description/)).toHaveValue('changed elsewhere'));
    await user.clear(within(dialog).getByLabelText(/^Slug/));
    await user.type(within(dialog).getByLabelText(/^Slug/), 'Lab North');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText('Does not have the expected format.')).toBeInTheDocument();
    expect(patches).toHaveLength(1);

    await user.clear(within(dialog).getByLabelText(/^Slug/));
    await user.type(within(dialog).getByLabelText(/^Slug/), 'lab-ne');
    await user.selectOptions(within(dialog).getByLabelText(/^Visibility/), 'public');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Site saved')).toBeInTheDocument();
    expect(patches[1]).toEqual({
      ifMatch: '"4"',
      body: { name: 'Lab North', slug: 'lab-ne', description: 'changed elsewhere', visibility: 'public' },
    });
    expect(screen.queryByRole('dialog', { name: 'Edit site' })).toBeNull();
  });

  it('lets a site admin edit the site but not its slug', async () => {
    const current = {
      id: 'site-1',
      name: 'Lab North',
      slug: 'lab-north',
      description: '',
      visibility: 'private',
      my_role: 'site-admin',
      version: 1,
      created_at: '2030-01-01T00:00:00Z',
      updated_at: '2030-01-01T00:00:00Z',
    };
    const bodies: Record<string, unknown>[] = [];
    server.use(
      http.get(`${API}/sites`, () => HttpResponse.json({ items: [current], meta: { page: 1, size: 100, total: 1, pages: 1 } })),
      http.get(`${API}/sites/site-1`, () => HttpResponse.json(current)),
      http.get(`${API}/sites/site-1/members`, () => HttpResponse.json({ items: [], meta: { page: 1, size: 100, total: 0, pages: 0 } })),
      http.patch(`${API}/sites/site-1`, async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        bodies.push(body);
        return HttpResponse.json({ ...current, ...body, version: 2 });
      }),
    );
    const { user } = renderWithApp(<SitesAdmin site="site-1" onSiteChange={vi.fn()} />, { session: fakeSession({ roles: [] }) });

    await user.click(await screen.findByRole('button', { name: 'Edit site' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit site' });
    const slug = within(dialog).getByLabelText(/^Slug/);
    expect(slug).toHaveAttribute('readonly');
    expect(within(dialog).getByText('Only a platform admin can change the slug.')).toBeInTheDocument();
    await user.type(slug, '-x');
    expect(slug).toHaveValue('lab-north');
    await user.type(within(dialog).getByLabelText(/^Description/), 'ours');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Site saved')).toBeInTheDocument();
    expect(bodies[0]).toMatchObject({ slug: 'lab-north', description: 'ours' });
  });
});

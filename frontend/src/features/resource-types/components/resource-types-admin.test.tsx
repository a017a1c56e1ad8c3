import { screen, waitFor, within } from '@testing-library/react';
import { fakeSession, renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, problem, server } from '@/testing/server';
import { ResourceTypesAdmin } from './resource-types-admin';

function type(id: string, name: string) {
  return { id, site_id: 'site-1', name, color: '#336699', requires_approval: false, parameters: {}, lead_time: 'PT0S', max_duration: null };
}

describe('resource types admin', () => {
  it('deletes an unused type after confirmation and explains why a type in use stays', async () => {
    const items = [type('rt-gpu', 'GPU node'), type('rt-sw', 'Switch')];
    const deleted: string[] = [];
    server.use(
      http.get(`${API}/sites/site-1/resource-types`, () => HttpResponse.json({ items, meta: { page: 1, size: 100, total: items.length, pages: 1 } })),
      http.delete(`${API}/resource-types/:id`, ({ params }) => {
        const id = String(params.id);
        if (id === 'rt-sw') return problem(409, { detail: 'resource type still has 3 resources' });
        deleted.push(id);
        items.splice(
          items.findIndex((x) => x.id === id),
          1,
        );
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { user } = renderWithApp(<ResourceTypesAdmin site="site-1" />, { session: fakeSession({ roles: ['platform-admin'] }) });

    await user.click(await screen.findByRole('button', { name: 'Delete GPU node' }));
    let dialog = screen.getByRole('dialog', { name: 'Delete resource type GPU node?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(deleted).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Delete GPU node' }));
    dialog = screen.getByRole('dialog', { name: 'Delete resource type GPU node?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect(await screen.findByText('Resource type deleted')).toBeInTheDocument();
    expect(deleted).toEqual(['rt-gpu']);
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Delete GPU node' })).toBeNull());

    await user.click(screen.getByRole('button', { name: 'Delete Switch' }));
    dialog = screen.getByRole('dialog', { name: 'Delete resource type Switch?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect(await screen.findByText('resource type still has 3 resources')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Delete Switch' })).toBeInTheDocument();
  });
});

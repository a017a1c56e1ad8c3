import { screen, within } from '@testing-library/react';
import { page, siteFixture, typeFixture } from '@/testing/fixtures';
import { renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, problem, server } from '@/testing/server';
import { FindFreeResources } from './find-free-resources';

const proposal = {
  found: true,
  start: '2027-01-10T09:00:00Z',
  end: '2027-01-10T13:00:00Z',
  resources: [
    { id: 'n1', name: 'node-0001', attributes: { gpu: 'a100' } },
    { id: 'n2', name: 'node-0002', attributes: { gpu: 'a100' } },
  ],
  alternatives: [],
};

describe('find free resources', () => {
  beforeEach(() => {
    server.use(
      http.get(`${API}/sites`, () => HttpResponse.json(page([siteFixture({ slug: 'lab', name: 'Lab' })]))),
      http.get(`${API}/sites/lab/resource-types`, () => HttpResponse.json(page([typeFixture({ id: 'type-node', name: 'Node' })]))),
    );
  });

  it('sends type, count, attribute filters and window, shows the proposal and books it', async () => {
    const bodies: Record<string, unknown>[] = [];
    server.use(
      http.get(`${API}/sites`, () => HttpResponse.json(page([siteFixture({ slug: 'lab', name: 'Lab' })]))),
      http.get(`${API}/sites/lab/resource-types`, () => HttpResponse.json(page([typeFixture({ id: 'type-node', name: 'Node' })]))),
      http.post(`${API}/reservations/find`, async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        bodies.push(body);
        if (!body.book) return HttpResponse.json(proposal);
        return HttpResponse.json(
          { ...proposal, group: { id: 'grp-1', reservations: [{ id: 'r1' }, { id: 'r2' }] } },
          { status: 201 },
        );
      }),
    );
    const { user } = renderWithApp(<FindFreeResources />);
    await user.selectOptions(screen.getByLabelText(/Site/), await screen.findByRole('option', { name: 'Lab' }));
    await user.selectOptions(await screen.findByLabelText(/Resource type/), await screen.findByRole('option', { name: 'Node' }));
    const count = screen.getByLabelText(/How many/);
    await user.clear(count);
    await user.type(count, '2');
    await user.type(screen.getByLabelText('Attributes'), 'gpu=a100\nmemory_gb>=64');
    const hours = screen.getByLabelText(/Duration/);
    await user.clear(hours);
    await user.type(hours, '4');
    await user.click(screen.getByRole('button', { name: 'Find' }));
    const found = await screen.findByTestId('find-proposal');
    expect(bodies[0]).toMatchObject({
      site: 'lab',
      type_id: 'type-node',
      count: 2,
      attributes: { gpu: 'a100', memory_gb: { gte: 64 } },
      duration: 'PT240M',
      book: false,
    });
    expect(within(found).getByText('node-0001')).toBeInTheDocument();
    await user.type(within(found).getByLabelText(/Title of the booking/), 'Training run');
    await user.click(within(found).getByRole('button', { name: 'Book all 2' }));
    expect(await within(found).findByRole('status')).toHaveTextContent('Booked 2 resources together');
    expect(bodies[1]).toMatchObject({ book: true, title: 'Training run' });
  });

  it('shows what the server says about an unknown attribute', async () => {
    server.use(
      http.get(`${API}/sites`, () => HttpResponse.json(page([siteFixture({ slug: 'lab', name: 'Lab' })]))),
      http.get(`${API}/sites/lab/resource-types`, () => HttpResponse.json(page([typeFixture({ id: 'type-node', name: 'Node' })]))),
      http.post(`${API}/reservations/find`, () =>
        problem(422, {
          detail: "No 'Node' resource has the attribute(s) colour.",
          errors: [{ loc: ['body', 'attributes', 'colour'], msg: 'unknown attribute', type: 'unknown_attribute' }],
        }),
      ),
    );
    const { user } = renderWithApp(<FindFreeResources />);
    await user.selectOptions(screen.getByLabelText(/Site/), await screen.findByRole('option', { name: 'Lab' }));
    await user.selectOptions(await screen.findByLabelText(/Resource type/), await screen.findByRole('option', { name: 'Node' }));
    await user.type(screen.getByLabelText('Attributes'), 'colour=red');
    await user.click(screen.getByRole('button', { name: 'Find' }));
    expect(await screen.findByText("No 'Node' resource has the attribute(s) colour.")).toBeInTheDocument();
  });

  it('refuses a filter line it cannot read before asking the server', async () => {
    const { user } = renderWithApp(<FindFreeResources />);
    await user.type(screen.getByLabelText('Attributes'), 'gpu');
    await user.click(screen.getByRole('button', { name: 'Find' }));
    expect(await screen.findByText('Cannot read: gpu')).toBeInTheDocument();
  });
});

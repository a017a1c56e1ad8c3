import { screen, waitFor, within } from '@testing-library/react';
import { page, resourceFixture, siteFixture, typeFixture } from '@/testing/fixtures';
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
      http.get(`${API}/sites/lab/resources`, () => HttpResponse.json(page([resourceFixture({ id: 'n1', name: 'node-0001', type_id: 'type-node' })]))),
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

  describe('pooled resources', () => {
    const pools = (typeCapacity: number, own: (number | null)[]) =>
      server.use(
        http.get(`${API}/sites/lab/resource-types`, () =>
          HttpResponse.json(page([typeFixture({ id: 'type-gpu', name: 'GPU pool', capacity: typeCapacity })])),
        ),
        http.get(`${API}/sites/lab/resources`, ({ request }) => {
          expect(new URL(request.url).searchParams.get('type_id')).toBe('type-gpu');
          return HttpResponse.json(
            page(own.map((capacity, i) => resourceFixture({ id: `p${i}`, name: `pool-${i}`, type_id: 'type-gpu', capacity }))),
          );
        }),
      );

    async function choosePool(user: ReturnType<typeof renderWithApp>['user']) {
      await user.selectOptions(screen.getByLabelText(/Site/), await screen.findByRole('option', { name: 'Lab' }));
      await user.selectOptions(await screen.findByLabelText(/Resource type/), await screen.findByRole('option', { name: 'GPU pool' }));
    }

    it('asks for units per resource on a pooled type, sends the quantity and shows the units each proposal takes', async () => {
      pools(4, [null, null]);
      const bodies: Record<string, unknown>[] = [];
      server.use(
        http.post(`${API}/reservations/find`, async ({ request }) => {
          bodies.push((await request.json()) as Record<string, unknown>);
          return HttpResponse.json({
            found: true,
            start: '2027-01-10T09:00:00Z',
            end: '2027-01-10T10:00:00Z',
            resources: [{ id: 'p0', name: 'pool-0', attributes: {} }],
            alternatives: [],
          });
        }),
      );
      const { user } = renderWithApp(<FindFreeResources />);
      await choosePool(user);
      const units = await screen.findByLabelText(/Units per resource/);
      expect(units).toHaveAttribute('max', '4');
      expect(screen.getByText('Pooled resources: the matching ones lend up to 4 units at once.')).toBeInTheDocument();
      await user.clear(units);
      await user.type(units, '3');
      await user.click(screen.getByRole('button', { name: 'Find' }));
      const found = await screen.findByTestId('find-proposal');
      expect(bodies[0]).toMatchObject({ type_id: 'type-gpu', count: 1, quantity: 3 });
      expect(within(found).getByRole('listitem')).toHaveTextContent('pool-0 · takes 3 units');
    });

    it('bounds the units by the largest capacity of a matching resource before asking the server', async () => {
      // The type lends 2, one of its resources declares 6 of its own.
      pools(2, [null, 6]);
      let asked = 0;
      server.use(http.post(`${API}/reservations/find`, () => ((asked += 1), HttpResponse.json({ found: false }))));
      const { user } = renderWithApp(<FindFreeResources />);
      await choosePool(user);
      const units = await screen.findByLabelText(/Units per resource/);
      await waitFor(() => expect(units).toHaveAttribute('max', '6'));
      await user.clear(units);
      await user.type(units, '7');
      await user.click(screen.getByRole('button', { name: 'Find' }));
      expect(await screen.findByText('Must be at most 6.')).toBeInTheDocument();
      expect(units).toHaveAttribute('aria-invalid', 'true');
      await user.clear(units);
      await user.type(units, '0');
      await user.click(screen.getByRole('button', { name: 'Find' }));
      expect(await screen.findByText('Must be at least 1.')).toBeInTheDocument();
      expect(asked).toBe(0);
      await user.clear(units);
      await user.type(units, '6');
      await user.click(screen.getByRole('button', { name: 'Find' }));
      expect(await screen.findByText('No period in this window has enough free resources.')).toBeInTheDocument();
      expect(asked).toBe(1);
    });

    it("puts the server's quantity-over-capacity answer on the units field", async () => {
      pools(4, [null]);
      server.use(
        http.post(`${API}/reservations/find`, () =>
          problem(422, {
            type: 'urn:reservation:problem:quantity-over-capacity',
            title: 'The quantity is more than the resource lends',
            detail: "The matching 'GPU pool' resources lend at most 2 unit(s) at once; 4 were asked for.",
            errors: [{ loc: ['body', 'quantity'], msg: 'at most 2', type: 'capacity' }],
          }),
        ),
      );
      const { user } = renderWithApp(<FindFreeResources />);
      await choosePool(user);
      const units = await screen.findByLabelText(/Units per resource/);
      await user.clear(units);
      await user.type(units, '4');
      await user.click(screen.getByRole('button', { name: 'Find' }));
      expect(await screen.findByText('at most 2')).toBeInTheDocument();
      expect(units).toHaveAttribute('aria-invalid', 'true');
      expect(units).toHaveFocus();
      expect(screen.getByText(/lend at most 2 unit\(s\) at once; 4 were asked for/)).toBeInTheDocument();
    });

    it('does not ask for units when neither the type nor its resources lend more than one, nor send a quantity', async () => {
      pools(1, [null, 1]);
      const bodies: Record<string, unknown>[] = [];
      server.use(
        http.post(`${API}/reservations/find`, async ({ request }) => {
          bodies.push((await request.json()) as Record<string, unknown>);
          return HttpResponse.json({ found: false });
        }),
      );
      const { user } = renderWithApp(<FindFreeResources />);
      await choosePool(user);
      await user.click(screen.getByRole('button', { name: 'Find' }));
      await screen.findByText('No period in this window has enough free resources.');
      expect(screen.queryByLabelText(/Units per resource/)).not.toBeInTheDocument();
      expect(bodies[0]).not.toHaveProperty('quantity');
    });
  });
});

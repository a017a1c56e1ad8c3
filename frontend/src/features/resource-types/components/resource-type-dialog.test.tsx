import { screen } from '@testing-library/react';
import { fakeSession, renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, problem, server } from '@/testing/server';
import { ResourceTypeDialog, schemaProblem } from './resource-type-dialog';

describe('parameter schema editor', () => {
  it('accepts an object schema and explains what is wrong otherwise', () => {
    expect(schemaProblem('{"type":"object","properties":{"vlan_id":{"type":"integer"}}}')).toBeNull();
    expect(schemaProblem('{"type":"object",')).toMatch(/JSON/i);
    expect(schemaProblem('[]')).toBe('the schema must be a JSON object');
    expect(schemaProblem('{"type":"string"}')).toMatch(/"type": "object"/);
    expect(schemaProblem('{"properties":[]}')).toBe('"properties" must be an object');
  });
});

describe('resource type dialog', () => {
  it('says inline what is wrong with the schema, then puts the server refusal of a duration on that field', async () => {
    let posted: Record<string, unknown> | null = null;
    server.use(
      http.post(`${API}/sites/site-1/resource-types`, async ({ request }) => {
        posted = (await request.json()) as Record<string, unknown>;
        return problem(422, {
          detail: 'lead_time: must be less than a day',
          errors: [{ loc: ['body', 'lead_time'], msg: 'must be less than a day', type: 'value_error' }],
        });
      }),
      http.get(`${API}/sites/site-1/resource-types`, () => HttpResponse.json({ items: [], meta: { page: 1, size: 100, total: 0, pages: 1 } })),
    );
    const { user } = renderWithApp(<ResourceTypeDialog site="site-1" onClose={() => undefined} />, {
      session: fakeSession({ roles: ['platform-admin'] }),
    });
    await user.type(screen.getByLabelText(/^Name/), 'GPU server');
    const schema = screen.getByLabelText(/^Parameters \(JSON Schema\)/);
    await user.clear(schema);
    await user.type(schema, '[[]');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText(/the schema must be a JSON object/)).toBeInTheDocument();
    expect(schema).toHaveFocus();
    expect(posted).toBeNull();

    await user.clear(schema);
    await user.type(schema, '{{}');
    await user.clear(screen.getByLabelText(/^Lead time/));
    await user.type(screen.getByLabelText(/^Lead time/), '48');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('must be less than a day')).toBeInTheDocument();
    expect(screen.getByLabelText(/^Lead time/)).toHaveFocus();
    expect(screen.getByLabelText(/^Lead time/)).toHaveAttribute('aria-invalid', 'true');
    expect(posted).toMatchObject({ name: 'GPU server', parameters: {} });
  });
});

// The committed API client (openapi/openapi.json and the types generated from it) must be what
// the running backend serves: a backend change without `make -C frontend api` fails here.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripPrefix } from '../scripts/strip-prefix.mjs';
import { expect, test } from './fixtures';

const FRONTEND = fileURLToPath(new URL('..', import.meta.url));
const REGENERATE = 'the committed API client is out of date: run `make -C frontend api` and commit the result';

test('the committed OpenAPI document is the one the backend serves', async ({ request, stack }) => {
  const response = await request.get(`${stack.baseUrl}/api/v1/openapi.json`);
  expect(response.status()).toBe(200);
  const served = stripPrefix(await response.json(), '/api/v1');
  const committed = JSON.parse(readFileSync(join(FRONTEND, 'openapi/openapi.json'), 'utf8'));
  expect(Object.keys(committed.paths).sort(), REGENERATE).toEqual(Object.keys(served.paths).sort());
  expect(committed, REGENERATE).toEqual(served);
});

test('the committed client types are generated from the committed OpenAPI document', () => {
  const dir = mkdtempSync(join(tmpdir(), 'api-client-'));
  try {
    const output = join(dir, 'schema.d.ts');
    execFileSync(
      join(FRONTEND, 'node_modules/.bin/openapi-typescript'),
      ['openapi/openapi.json', '-o', output, '--root-types', '--root-types-no-schema-prefix'],
      { cwd: FRONTEND, stdio: 'pipe' },
    );
    expect(readFileSync(join(FRONTEND, 'src/lib/api/schema.d.ts'), 'utf8') === readFileSync(output, 'utf8'), REGENERATE).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

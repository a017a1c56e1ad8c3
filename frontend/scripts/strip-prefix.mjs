// Removes a common path prefix (e.g. /api/v1) from an OpenAPI document's paths; drops the
// paths outside it (health and metrics endpoints are not part of the client).
// `node strip-prefix.mjs <input> <output> <prefix>`; e2e/api-client.spec.ts imports stripPrefix.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function stripPrefix(doc, prefix) {
  const paths = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (path.startsWith(prefix)) paths[path.slice(prefix.length) || '/'] = item;
  }
  return { ...doc, paths };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output, prefix] = process.argv.slice(2);
  const doc = JSON.parse(readFileSync(input, 'utf8'));
  writeFileSync(output, JSON.stringify(stripPrefix(doc, prefix), null, 2) + '\n');
}

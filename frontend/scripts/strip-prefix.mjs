// Removes a common path prefix (e.g. /api/v1) from an OpenAPI document's paths; drops the
// paths outside it (health and metrics endpoints are not part of the client).
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output, prefix] = process.argv.slice(2);
const doc = JSON.parse(readFileSync(input, 'utf8'));
const paths = {};
for (const [path, item] of Object.entries(doc.paths ?? {})) {
  if (path.startsWith(prefix)) paths[path.slice(prefix.length) || '/'] = item;
}
doc.paths = paths;
writeFileSync(output, JSON.stringify(doc, null, 2) + '\n');

#!/usr/bin/env bash
# Regenerates the typed API client from the backend's OpenAPI document.
# The result (openapi/openapi.json + src/lib/api/schema.d.ts) is committed, so building the
# frontend never needs Python. Run from anywhere: `npm run gen:api` or `make -C frontend api`.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$here/.." && pwd)"
mkdir -p "$here/openapi"

(cd "$repo" && uv run --frozen python - <<'PY') > "$here/openapi/openapi.raw.json"
import json, os, sys
os.environ.setdefault("RESERVATION_BE_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/unused")
os.environ.setdefault("RESERVATION_BE_OIDC_ISSUER", "http://127.0.0.1:8080/realms/reservations")
from reservation_be.main import create_app
json.dump(create_app().openapi(), sys.stdout, indent=2, sort_keys=True)
PY

# The client's base URL is the runtime API_URL (".../api/v1"), so paths lose that prefix here.
node "$here/scripts/strip-prefix.mjs" "$here/openapi/openapi.raw.json" "$here/openapi/openapi.json" /api/v1
rm "$here/openapi/openapi.raw.json"
cd "$here"
npx openapi-typescript openapi/openapi.json -o src/lib/api/schema.d.ts --root-types --root-types-no-schema-prefix
echo "generated src/lib/api/schema.d.ts"

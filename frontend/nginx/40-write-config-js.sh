#!/bin/sh
# Writes /config.js (window.ENV) from the container's environment before nginx starts.
set -eu

dir="${FRONTEND_CONFIG_DIR:-/tmp/frontend-config}"
mkdir -p "$dir"

# JSON string escaping for the few characters a URL or client id could carry.
json_string() {
    printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's#</#<\\/#g'
}

tmp="$dir/config.js.tmp"
cat > "$tmp" <<JS
window.ENV = {
  "API_URL": "$(json_string "${FRONTEND_API_URL:-/api/v1}")",
  "OIDC_ISSUER_URL": "$(json_string "${FRONTEND_OIDC_ISSUER:?FRONTEND_OIDC_ISSUER must be set}")",
  "OIDC_CLIENT_ID": "$(json_string "${FRONTEND_CLIENT_ID:-reservation-frontend}")"
};
JS
mv "$tmp" "$dir/config.js"
echo "40-write-config-js.sh: wrote $dir/config.js"

#!/bin/sh
# Writes /config.js (window.ENV) and the security headers (Content-Security-Policy naming the
# API's and the identity provider's origins) from the container's environment before nginx
# starts. default.conf includes security-headers.conf in the server and in every location.
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

# scheme://host[:port] of an absolute URL; nothing for a relative one (the app's own origin).
origin() {
    case "$1" in
        http://* | https://*)
            o=$(printf '%s' "$1" | sed -E 's#^(https?://[^/?#]+).*#\1#')
            # Only what an origin may hold: the value goes into an nginx header line.
            if ! printf '%s' "$o" | grep -Eq '^https?://[][A-Za-z0-9.:@-]+$'; then
                echo "40-write-config-js.sh: refusing the URL origin '$o'" >&2
                exit 1
            fi
            printf '%s' "$o"
            ;;
    esac
}

api_origin=$(origin "${FRONTEND_API_URL:-/api/v1}")
idp_origin=$(origin "$FRONTEND_OIDC_ISSUER")
connect="'self'"
for o in $api_origin $idp_origin; do
    case " $connect " in *" $o "*) ;; *) connect="$connect $o" ;; esac
done
csp="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src $connect; frame-src ${idp_origin:-'none'}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"

tmp="$dir/security-headers.conf.tmp"
cat > "$tmp" <<CONF
add_header Content-Security-Policy "$csp" always;
add_header Referrer-Policy "strict-origin-when-cross-origin" always;
add_header X-Content-Type-Options "nosniff" always;
add_header X-Frame-Options "DENY" always;
CONF
mv "$tmp" "$dir/security-headers.conf"
echo "40-write-config-js.sh: wrote $dir/security-headers.conf"

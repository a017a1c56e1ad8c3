"""Security headers of the single-page app when the backend serves its build (dev mode).

The same policy as the frontend image's nginx (``frontend/nginx/40-write-config-js.sh``): scripts,
styles and everything else from the app's own origin only; API calls to the app's origin and
the identity provider; no framing; no plugins. ``/api`` answers are JSON and keep their own
headers (the API docs page loads its viewer from a CDN, so it gets no policy).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REFERRER_POLICY = "strict-origin-when-cross-origin"


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, None for a relative one."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(*, api_url: str, issuer: str) -> str:
    """The production policy for the app, given where its API and identity provider live."""
    connect = " ".join(
        ["'self'", *dict.fromkeys(o for o in (origin_of(api_url), origin_of(issuer)) if o)]
    )
    idp = origin_of(issuer) or "'none'"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {connect}",
            f"frame-src {idp}",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
        ]
    )


class FrontendSecurityHeaders:
    """Adds the app's security headers to every answer outside ``/api``."""

    def __init__(self, app: ASGIApp, *, policy: str) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", policy.encode()),
            (b"referrer-policy", REFERRER_POLICY.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *(h for h in self.headers if h[0] not in present),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)

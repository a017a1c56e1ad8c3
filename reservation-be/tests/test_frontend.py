from __future__ import annotations

import httpx
from reservation_be.kit.security_headers import content_security_policy, origin_of
from reservation_be.main import close_app, create_app


async def test_built_frontend_is_served_with_client_side_routes(settings, tmp_path):
    issuer_origin = origin_of(settings.oidc_issuer)
    (tmp_path / "index.html").write_text("<html>app shell</html>")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.js").write_text("console.log('hi')")
    app = create_app(settings.model_copy(update={"frontend_dist": tmp_path}))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            root = await c.get("/")
            deep = await c.get("/sites/lab-1/calendar", headers={"Accept": "text/html"})
            asset = await c.get("/assets/app.js")
            api = await c.get("/api/v1/users/me")
            missing_api = await c.get("/api/v1/nothing-here")
    finally:
        await close_app(app)
    assert "app shell" in root.text
    assert "app shell" in deep.text
    assert asset.text == "console.log('hi')"
    for page in (root, deep, asset):
        policy = page.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy
        assert f"connect-src 'self' {issuer_origin};" in policy
        assert "frame-ancestors 'none'" in policy
        assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert page.headers["x-content-type-options"] == "nosniff"
    assert api.status_code == 401  # the API wins over the frontend
    assert "content-security-policy" not in api.headers
    assert missing_api.status_code == 404
    assert missing_api.headers["content-type"] == "application/problem+json"


def test_the_policy_is_the_one_nginx_and_the_vite_config_send():
    # The same literal as frontend/src/config/csp.test.ts and tests/deploy (nginx).
    assert content_security_policy(
        api_url="https://api.example.org/api/v1", issuer="https://id.example.org/realms/r"
    ) == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self' https://api.example.org https://id.example.org; "
        "frame-src https://id.example.org; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'; object-src 'none'"
    )
    relative = content_security_policy(api_url="/api/v1", issuer="https://id.example.org/r")
    assert "connect-src 'self' https://id.example.org;" in relative

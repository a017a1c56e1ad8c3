from __future__ import annotations

import httpx
from reservation_be.main import close_app, create_app


async def test_built_frontend_is_served_with_client_side_routes(settings, tmp_path):
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
    assert api.status_code == 401  # the API wins over the frontend
    assert missing_api.status_code == 404
    assert missing_api.headers["content-type"] == "application/problem+json"
